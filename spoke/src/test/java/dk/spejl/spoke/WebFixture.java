package dk.spejl.spoke;

import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.UserStore;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hub with a synthetic catalogue and a spoke whose web app takes local users over HTTPS, for the web tests: users
 * {@code klinik} (clinician), {@code admin} (admin) and {@code laast} (clinician, for lockouts), each with {@link #PASSWORD}.
 */
final class WebFixture implements AutoCloseable {
    static final String PASSWORD = "korrekt-hest-batteri";
    final Cluster cluster;
    final Spoke spoke;
    final TlsFiles httpTls;
    final long revision;
    final List<HubRecord> records;

    WebFixture(Path dir, int records, Duration heartbeatInterval, Duration freshnessWindow) throws Exception {
        cluster = new Cluster(dir, new SnapshotPolicy(1000, 0.25, 2), heartbeatInterval, Duration.ofMinutes(5));
        this.records = new CatalogueGenerator(20261201).generate(records);
        revision = cluster.put(this.records);
        Path data = dir.resolve("spoke-web");
        UserStore users = new UserStore(data, Clock.systemUTC());
        Passwords passwords = new Passwords(2, 10_000);
        users.add("klinik", Set.of(Role.CLINICIAN), passwords.hash(PASSWORD.toCharArray()));
        users.add("admin", EnumSet.of(Role.ADMIN, Role.CLINICIAN), passwords.hash(PASSWORD.toCharArray()));
        users.add("laast", Set.of(Role.CLINICIAN), passwords.hash(PASSWORD.toCharArray()));
        httpTls = ServerPki.create(dir.resolve("http-tls"), "spoke-web", List.of("localhost"), List.of("127.0.0.1", "::1"));
        spoke = cluster.spokeBuilder("web").logins(Logins.LOCAL).httpTls(httpTls).freshnessWindow(freshnessWindow).start();
        cluster.spokes.add(spoke);
        assertThat(spoke.awaitSearchable(revision, Duration.ofSeconds(60))).isTrue();
    }

    WebClient client() throws Exception {
        return new WebClient(spoke.httpAddress().getPort(), httpTls.trustedCa());
    }

    String base() {
        return "https://127.0.0.1:" + spoke.httpAddress().getPort();
    }

    @Override
    public void close() {
        cluster.close();
    }
}
