package dk.spejl.spoke;

import dk.spejl.hub.Hub;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaCheck;
import dk.spejl.spoke.sync.HeldDelegation;
import dk.spejl.wire.SignedDelegation;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.IngestResult;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A real hub and real spokes over localhost TLS, with RocksDB in a temporary directory. */
final class Cluster implements AutoCloseable {
    final Path dir;
    final TlsFiles tls;
    /** The root key, which the hub never holds: tests use it as the key ceremony would. */
    final Ed25519.PrivateKey root;
    final Path keysDir;
    /** The hub's metrics, kept across hub restarts. */
    final io.micrometer.core.instrument.simple.SimpleMeterRegistry hubMetrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    final SnapshotPolicy policy;
    final List<Spoke> spokes = new ArrayList<>();
    Hub hub;
    private int port;

    private final java.time.Duration heartbeatInterval;
    private final java.time.Duration heartbeatValidity;
    /** What a test changes in how the hub is built (its parts, say). */
    private final java.util.function.UnaryOperator<Hub.Builder> customise;

    Cluster(Path dir, SnapshotPolicy policy) throws IOException {
        this(dir, policy, java.time.Duration.ofSeconds(60), java.time.Duration.ofMinutes(5));
    }

    Cluster(Path dir, SnapshotPolicy policy, java.time.Duration heartbeatInterval, java.time.Duration heartbeatValidity) throws IOException {
        this(dir, policy, heartbeatInterval, heartbeatValidity, b -> b);
    }

    /** A cluster whose hub is built with what {@code customise} changes (its object store, say). */
    Cluster(Path dir, SnapshotPolicy policy, java.util.function.UnaryOperator<Hub.Builder> customise) throws IOException {
        this(dir, policy, java.time.Duration.ofSeconds(60), java.time.Duration.ofMinutes(5), customise);
    }

    /** A cluster with heartbeats at this interval and validity, whose hub is built with what {@code customise} changes. */
    Cluster(Path dir, SnapshotPolicy policy, java.time.Duration heartbeatInterval, java.time.Duration heartbeatValidity,
            java.util.function.UnaryOperator<Hub.Builder> customise) throws IOException {
        this.customise = customise;
        this.dir = dir;
        this.policy = policy;
        this.heartbeatInterval = heartbeatInterval;
        this.heartbeatValidity = heartbeatValidity;
        this.tls = ServerPki.create(dir.resolve("tls"), "test-hub", List.of("localhost"), List.of("127.0.0.1", "::1"));
        this.root = Ed25519.generate(new SecureRandom());
        this.keysDir = dir.resolve("keys");
        HubKeys.create(keysDir, root, "test-hub", java.time.Duration.ofDays(365), java.time.Clock.systemUTC());
        startHub();
    }

    void startHub() throws IOException {
        hub = customise.apply(Hub.builder().dataDir(dir.resolve("hub")).hubId("test-hub").keys(keysDir, rootFingerprint()).tls(tls)
                .metrics(hubMetrics).replicationAddress(new InetSocketAddress("127.0.0.1", port)).snapshotPolicy(policy)
                .heartbeats(heartbeatInterval, heartbeatValidity)).start();
        port = hub.replicationPort();
    }

    /**
     * A hub.conf for the running hub, laid out as 'spejl-hub init' lays one out (data, keys and tls beside it) and with an
     * operator certificate, so that the operators' command line reaches the hub's admin service.
     */
    Path hubConf() throws IOException {
        Path tlsDir = dir.resolve("tls");
        if (!java.nio.file.Files.exists(tlsDir.resolve("operator.pem"))) {
            ServerPki.enrol(tlsDir, PeerIdentity.operatorSubject("operator"), tlsDir, "operator");
        }
        Path conf = dir.resolve("hub.conf");
        java.nio.file.Files.writeString(conf, String.join("\n", "hub.id = test-hub", "data.dir = hub", "keys.dir = keys",
                "trust.root_fingerprint = " + rootFingerprint(), "replication.address = 127.0.0.1:" + port,
                "admin.address = 127.0.0.1:" + hub.adminPort(), "ops.address = off", ""));
        return conf;
    }

    /** Starts the hub from what a config file names (a restored hub, say), on this cluster's port, in place of its own. */
    void startHubFrom(Path conf) throws Exception {
        hub = dk.spejl.hub.HubConfig.read(conf).toBuilder().metrics(hubMetrics).replicationAddress(new InetSocketAddress("127.0.0.1", port))
                .adminAddress(new InetSocketAddress("127.0.0.1", 0)).ops(null, java.time.Duration.ofHours(1)).snapshotPolicy(policy)
                .heartbeats(heartbeatInterval, heartbeatValidity).start();
    }

    String rootFingerprint() {
        return root.publicKey().fingerprint();
    }

    /** The online key the hub signs with now. */
    Ed25519.PrivateKey key() {
        return hub.keys().signing();
    }

    /** A key rotation as 'spejl-hub keys rotate' does it: a new key and delegation, then the running hub reloads. */
    dk.spejl.wire.ReloadKeysResult rotate(boolean keepPrevious) throws IOException {
        HubKeys.rotate(keysDir, root, "test-hub", java.time.Duration.ofDays(30), keepPrevious, java.time.Clock.systemUTC());
        return hub.trust().reload();
    }

    /** A delegation signed by this cluster's root, with whatever content an attack test needs. */
    SignedDelegation delegation(long version, long expiresAtMillis, List<Ed25519.PublicKey> keys, java.util.Set<String> revoked) {
        return DelegationSigner.sign(DelegationSigner.delegation("test-hub", version, System.currentTimeMillis(), expiresAtMillis,
                keys, revoked), root);
    }

    /** The check of 'spejl-spoke verify' on a replica opened apart from its spoke. */
    ReplicaCheck.Outcome check(Replica replica, String spokeName) throws IOException {
        return ReplicaCheck.run(replica, rootFingerprint(),
                new HeldDelegation(dir.resolve("spoke-" + spokeName).resolve(Spoke.TRUST_FILE), rootFingerprint()).current());
    }

    /** How many clients the hub has refused for this reason. */
    double refused(String reason) {
        var counter = hubMetrics.find("spejl_hub_peer_rejections_total").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    void stopHub() {
        hub.close();
    }

    Spoke.Builder spokeBuilder(String name) throws IOException {
        return Spoke.builder().name(name).dataDir(dir.resolve("spoke-" + name))
                .hub(new InetSocketAddress("127.0.0.1", port)).rootFingerprint(rootFingerprint())
                .tls(enrol(name, "syddanmark"));
    }

    /** A client certificate from the hub's CA for a spoke of that name and region. */
    TlsFiles enrol(String name, String region) throws IOException {
        return ServerPki.enrol(dir.resolve("tls"), PeerIdentity.spokeSubject(name, region), dir.resolve("certs-" + name), "spoke");
    }

    Spoke spoke(String name) throws IOException {
        Spoke spoke = spokeBuilder(name).start();
        spokes.add(spoke);
        return spoke;
    }

    /** Publishes puts of the given records; returns the new revision. */
    long put(List<HubRecord> records) {
        List<String> lines = new ArrayList<>();
        records.forEach(r -> lines.add(CatalogueGenerator.putLine(r)));
        return ingest(lines);
    }

    long ingest(List<String> lines) {
        IngestResult result;
        try {
            result = hub.ingest().apply(lines);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(result.getErrorsList()).isEmpty();
        assertThat(result.getPublished()).isTrue();
        return result.getRevision();
    }

    @Override
    public void close() {
        spokes.forEach(Spoke::close);
        if (hub != null) {
            hub.close();
        }
    }

    /** How many Watch sessions the spoke has opened: 1 means it never reconnected. */
    static double sessions(Spoke spoke) {
        return spoke.metrics().get("spejl_spoke_watch_sessions_total").counter().count();
    }
}
