package dk.spejl.hub;

import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.publish.fs.FileObjectStore;
import dk.spejl.hub.replication.AdminService;
import dk.spejl.hub.replication.HeartbeatIssuer;
import dk.spejl.hub.replication.ManifestFeed;
import dk.spejl.hub.replication.IdentityInterceptor;
import dk.spejl.hub.replication.PeerRejections;
import dk.spejl.hub.replication.Revocations;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.hub.replication.ReplicationService;
import dk.spejl.hub.keys.HubKeys;
import dk.spejl.wire.ReloadKeysResult;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.TrustInfo;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The hub's front door: the catalogue, the object store, the publisher and the gRPC services,
 * assembled from a {@link Builder}. The CLI and the tests both build hubs through here.
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);

    private final String hubId;
    private final CatalogueStore store;
    private final ObjectStore objects;
    private final Publisher publisher;
    private final ManifestFeed feed;
    private final AdminService admin;
    private final ExecutorService feedExecutor;
    private final HeartbeatIssuer heartbeats;
    private final Revocations revocations;
    private final Server replicationServer;
    private final Server adminServer;
    private final Path keysDir;
    private final String rootFingerprint;
    private final Clock clock;
    private volatile HubKeys.Active keys;
    private final PeerRejections rejections;

    private Hub(Builder b) throws IOException {
        this.hubId = b.hubId;
        this.keysDir = b.keysDir;
        this.rootFingerprint = b.rootFingerprint;
        this.clock = b.clock;
        this.keys = HubKeys.load(keysDir, rootFingerprint, hubId, Optional.empty(), clock.millis());
        this.rejections = new PeerRejections(b.metrics);
        this.store = CatalogueStore.open(b.dataDir.resolve("catalogue"));
        try {
            this.objects = new TieredObjectStore(store, new FileObjectStore(b.dataDir.resolve("objects")));
            this.publisher = new Publisher(hubId, store, objects, b.dataDir.resolve("scratch"), new ManifestSigner(keys.signing()), b.clock, b.snapshotPolicy, b.metrics);
            publisher.initialise();
            this.feedExecutor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "hub-feed");
                t.setDaemon(true);
                return t;
            });
            this.feed = new ManifestFeed(store, objects, trustInfo(keys), keys.trusted().keysById().keySet(), feedExecutor);
            publisher.addListener(feed);
            resignIfRevoked();
            this.heartbeats = new HeartbeatIssuer(hubId, store, new HeartbeatSigner(keys.signing()), feed, b.clock,
                    b.heartbeatInterval, b.heartbeatValidity);
            feed.heartbeats(heartbeats::latest);
            this.revocations = new Revocations(store);
            this.admin = new AdminService(publisher, feed, revocations, b.maxIngestLines, rejections, new AdminService.Keys() {
                @Override
                public HubKeys.Active active() {
                    return keys;
                }

                @Override
                public ReloadKeysResult reload() throws IOException {
                    return reloadKeys();
                }
            });
            TlsFiles.RefusedClients refusedByTls = (reason, subject, detail) ->
                    rejections.refused(reason, "client certificate '" + subject + "'", detail);
            this.replicationServer = NettyServerBuilder.forAddress(b.replicationAddress)
                    .sslContext(b.tls.serverContext(refusedByTls))
                    .addService(ServerInterceptors.intercept(new ReplicationService(feed, objects, b.metrics),
                            new IdentityInterceptor(PeerIdentity.Role.SPOKE, revocations::isRevoked, rejections)))
                    .maxInboundMessageSize(1 << 20)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .build().start();
            this.adminServer = NettyServerBuilder.forAddress(b.adminAddress)
                    .sslContext(b.tls.serverContext(refusedByTls))
                    .addService(ServerInterceptors.intercept(admin, new IdentityInterceptor(PeerIdentity.Role.OPERATOR, id -> false, rejections)))
                    .maxInboundMessageSize(4 << 20)
                    .build().start();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        log.info("hub {} serving: replication on {}, admin on {}, head revision {}", hubId,
                replicationServer.getListenSockets(), adminServer.getListenSockets(), publisher.head().revision());
        logKeys("signing");
    }

    private static TrustInfo trustInfo(HubKeys.Active keys) {
        return TrustInfo.newBuilder().setDelegation(keys.delegation()).build();
    }

    private void logKeys(String verb) {
        Instant expires = Instant.ofEpochMilli(keys.trusted().expiresAtMillis());
        log.info("{} with key {} under key delegation version {} (root {}), valid until {}", verb, keys.signingKeyId(),
                keys.trusted().version(), rootFingerprint, expires);
        if (expires.isBefore(clock.instant().plus(Duration.ofDays(30)))) {
            log.warn("the key delegation expires at {}: spokes accept nothing signed after that. Rotate with 'spejl-hub keys rotate'", expires);
        }
    }

    /**
     * Takes up the keys directory's delegation if it is newer than the one in use: spokes are sent
     * it first, then the publisher and heartbeats sign with its key. If the head was signed by a
     * key it revokes, a revision signed by the new key follows at once (see {@link Publisher#resign()}).
     */
    public synchronized ReloadKeysResult reloadKeys() throws IOException {
        HubKeys.Active fresh = HubKeys.load(keysDir, rootFingerprint, hubId, Optional.of(keys.delegation()), clock.millis());
        if (fresh.delegation().equals(keys.delegation()) && fresh.signingKeyId().equals(keys.signingKeyId())) {
            return ReloadKeysResult.newBuilder().setChanged(false).setDelegationVersion(fresh.trusted().version())
                    .setSigningKeyId(fresh.signingKeyId()).build();
        }
        // Under the publish lock, so that no revision signed by the old key is sent after the new delegation.
        synchronized (publisher) {
            keys = fresh;
            feed.rekey(trustInfo(fresh), fresh.trusted().keysById().keySet());
            publisher.signWith(new ManifestSigner(fresh.signing()));
        }
        heartbeats.signWith(new HeartbeatSigner(fresh.signing()));
        logKeys("now signing");
        long resigned = resignIfRevoked();
        return ReloadKeysResult.newBuilder().setChanged(true).setDelegationVersion(fresh.trusted().version())
                .setSigningKeyId(fresh.signingKeyId()).setResignedRevision(resigned).build();
    }

    /** Publishes a revision under the current key if the head's key is no longer delegated; returns it, or 0. */
    private long resignIfRevoked() throws IOException {
        String headKey = publisher.head().manifest().getKeyId();
        if (keys.trusted().keysById().containsKey(headKey)) {
            return 0;
        }
        long revision = publisher.resign().revision();
        log.info("the head was signed by key {}, which delegation version {} leaves out: published revision {} (no record changes, "
                + "with a snapshot) under key {}", headKey, keys.trusted().version(), revision, keys.signingKeyId());
        return revision;
    }

    public HubKeys.Active keys() {
        return keys;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String hubId() {
        return hubId;
    }

    public Publisher publisher() {
        return publisher;
    }

    public AdminService admin() {
        return admin;
    }

    public ManifestFeed feed() {
        return feed;
    }

    public ObjectStore objects() {
        return objects;
    }

    public CatalogueStore catalogue() {
        return store;
    }

    public int replicationPort() {
        return ((InetSocketAddress) replicationServer.getListenSockets().get(0)).getPort();
    }

    public int adminPort() {
        return ((InetSocketAddress) adminServer.getListenSockets().get(0)).getPort();
    }

    @Override
    public void close() {
        heartbeats.close();
        feed.closeAll();
        replicationServer.shutdownNow();
        adminServer.shutdownNow();
        try {
            replicationServer.awaitTermination(5, TimeUnit.SECONDS);
            adminServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        feedExecutor.shutdownNow();
        publisher.close();
        synchronized (publisher) {
            store.close();
        }
        log.info("hub {} stopped", hubId);
    }

    public static final class Builder {
        private Path dataDir;
        private String hubId;
        private Path keysDir;
        private String rootFingerprint;
        private TlsFiles tls;
        private InetSocketAddress replicationAddress = new InetSocketAddress("127.0.0.1", 0);
        private InetSocketAddress adminAddress = new InetSocketAddress("127.0.0.1", 0);
        private Clock clock = Clock.systemUTC();
        private SnapshotPolicy snapshotPolicy = SnapshotPolicy.DEFAULT;
        private MeterRegistry metrics = new SimpleMeterRegistry();
        private long maxIngestLines = 5_000_000;
        private java.time.Duration heartbeatInterval = java.time.Duration.ofSeconds(60);
        private java.time.Duration heartbeatValidity = java.time.Duration.ofMinutes(5);

        /** How often a signed heartbeat is pushed, and how long each stays valid at the spokes. */
        public Builder heartbeats(java.time.Duration interval, java.time.Duration validity) {
            this.heartbeatInterval = interval;
            this.heartbeatValidity = validity;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder hubId(String hubId) {
            this.hubId = hubId;
            return this;
        }

        /** The keys directory (see {@link HubKeys}) and the root key fingerprint its delegation must verify under. */
        public Builder keys(Path keysDir, String rootFingerprint) {
            this.keysDir = keysDir;
            this.rootFingerprint = rootFingerprint;
            return this;
        }

        public Builder tls(TlsFiles tls) {
            this.tls = tls;
            return this;
        }

        public Builder replicationAddress(InetSocketAddress address) {
            this.replicationAddress = address;
            return this;
        }

        public Builder adminAddress(InetSocketAddress address) {
            this.adminAddress = address;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder snapshotPolicy(SnapshotPolicy policy) {
            this.snapshotPolicy = policy;
            return this;
        }

        public Builder metrics(MeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder maxIngestLines(long maxIngestLines) {
            this.maxIngestLines = maxIngestLines;
            return this;
        }

        public Hub start() throws IOException {
            if (dataDir == null || hubId == null || keysDir == null || rootFingerprint == null || tls == null) {
                throw new IllegalStateException("a hub needs a data dir, a hub id, a keys directory, a root fingerprint and TLS files");
            }
            return new Hub(this);
        }
    }
}
