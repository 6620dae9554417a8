package dk.spejl.spoke;

import dk.spejl.config.ConfigFile;
import dk.spejl.spoke.http.HttpLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a spoke.conf with only the required settings means, and what it refuses. */
class SpokeConfigTest {
    @TempDir
    Path tmp;

    private Path conf(String extra) throws Exception {
        return Files.writeString(tmp.resolve("spoke.conf"), "spoke.name = s1\nhub.address = 127.0.0.1:7443\nhub.ca = ca.pem\n"
                + "hub.root_fingerprint = SHA256:x\ntls.certificate = spoke.pem\ntls.private_key = spoke.key\n" + extra);
    }

    @Test
    void theDefaultsAreTheSafeOnes() throws Exception {
        SpokeConfig c = SpokeConfig.read(conf(""));
        assertThat(c.syncWrites()).as("a power cut must not make the spoke serve a lower revision (invariant 3)").isTrue();
        assertThat(c.maxClockSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.freshnessWindow()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.httpLimits()).isEqualTo(HttpLimits.DEFAULT);
    }

    @Test
    void theSettingsAreReadAsWritten() throws Exception {
        SpokeConfig c = SpokeConfig.read(conf("replica.sync_writes = false\nfreshness.max_clock_skew = 30s\n"
                + "http.idle_timeout = 5s\nhttp.max_connections = 12\n"));
        assertThat(c.syncWrites()).isFalse();
        assertThat(c.maxClockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.httpLimits().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.httpLimits().maxConnections()).isEqualTo(12);
    }

    @Test
    void aMisspeltOrMalformedSettingIsAnError() throws Exception {
        assertThatThrownBy(() -> SpokeConfig.read(conf("http.max_conections = 12\n"))).isInstanceOf(ConfigFile.ConfigException.class)
                .hasMessageContaining("unknown setting(s) [http.max_conections]");
        assertThatThrownBy(() -> SpokeConfig.read(conf("freshness.max_clock_skew = soon\n"))).isInstanceOf(ConfigFile.ConfigException.class)
                .hasMessageContaining("must be a duration");
    }
}
