package dk.spejl.spoke;

import dk.spejl.config.ConfigFile;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The spoke's configuration file. Every setting is listed here, with what it means and its default. */
public record SpokeConfig(String name, InetSocketAddress hubAddress, String hubAuthority, Path hubCa, String keyFingerprint,
                          Path dataDir, InetSocketAddress httpAddress, Duration freshnessWindow, boolean syncWrites) {

    public static final Map<String, String> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("spoke.name", "required. This spoke's name, e.g. its region; shown in the hub's status and logs.");
        SETTINGS.put("hub.address", "required. host:port of the hub's replication service.");
        SETTINGS.put("hub.ca", "required. The CA certificate (PEM) the hub's TLS certificate must chain to.");
        SETTINGS.put("hub.key_fingerprint", "required. SHA256:... fingerprint of the hub's signing key; nothing signed by another key is accepted.");
        SETTINGS.put("hub.authority", "optional. The name to check in the hub's certificate, when it differs from hub.address's host.");
        SETTINGS.put("data.dir", "default 'data'. Where the replica (RocksDB) lives.");
        SETTINGS.put("http.address", "default '127.0.0.1:8080'. The browse API, metrics and health endpoints.");
        SETTINGS.put("freshness.window", "default 5m. The oldest signed heartbeat the spoke counts as fresh (it also honours the heartbeat's own expiry).");
        SETTINGS.put("replica.sync_writes", "default false. Force each applied revision to disk before acknowledging it. "
                + "Without it a power cut can lose the newest revisions (never mix them); the spoke then fetches them again.");
    }

    public static SpokeConfig read(Path file) throws ConfigFile.ConfigException {
        ConfigFile c = ConfigFile.read(file, SETTINGS);
        return new SpokeConfig(c.required("spoke.name"), c.address("hub.address", null), c.string("hub.authority", null),
                c.path("hub.ca", null), c.required("hub.key_fingerprint"), c.path("data.dir", "data"),
                c.address("http.address", "127.0.0.1:8080"), c.duration("freshness.window", Duration.ofMinutes(5)),
                c.bool("replica.sync_writes", false));
    }

    /** A spoke builder set up as this file says. */
    public Spoke.Builder toBuilder() {
        return Spoke.builder().name(name).dataDir(dataDir).hub(hubAddress).hubAuthority(hubAuthority)
                .pinnedFingerprint(keyFingerprint).tls(dk.spejl.tls.ServerPki.trustOnly(hubCa)).http(httpAddress)
                .freshnessWindow(freshnessWindow).syncWrites(syncWrites);
    }

    public static String documentation() {
        return ConfigFile.documentation(SETTINGS);
    }
}
