package dk.spejl.hub;

import dk.spejl.hub.access.IdentityInterceptor;
import dk.spejl.hub.access.PeerRejections;
import dk.spejl.hub.access.RevocationService;
import dk.spejl.hub.access.RevocationStore;
import dk.spejl.hub.access.Revocations;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.Ingest;
import dk.spejl.hub.publish.IngestService;
import dk.spejl.hub.publish.ObjectStore;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.hub.publish.SmallObjectStore;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.publish.fs.FileObjectStore;
import dk.spejl.hub.replication.HeartbeatIssuer;
import dk.spejl.hub.replication.ManifestFeed;
import dk.spejl.hub.replication.ReplicationService;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.hub.trust.HubTrust;
import dk.spejl.hub.trust.KeysService;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.AdminGrpc;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The hub's front door: the catalogue, the object store, the publisher, the trust chain and the
 * gRPC services, assembled from a {@link Builder}. The CLI and the tests both build hubs through
 * here; each part can also be built alone.
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);

    private final String hubId;
    private final CatalogueStore store;
    private final ObjectStore objects;
    private final Publisher publisher;
    private final Ingest ingest;
    private final ManifestFeed feed;
    private final ExecutorService feedExecutor;
    private final HeartbeatIssuer heartbeats;
    private final HubTrust trust;
    private final Server replicationServer;
    private final Server adminServer;
    private final dk.spejl.log.MerkleLog accessLog;
    private final dk.spejl.hub.access.requests.AccessBook access;
    private final java.util.concurrent.ScheduledExecutorService expiry;
    private final dk.spejl.hub.access.AccessEvents accessEvents;
    private final dk.spejl.hub.replication.SpokeRegistry spokes;
    private final OpsServer ops;
    private final java.io.Closeable dataLock;
    private final dk.spejl.hub.replication.HeldManifests heldManifests;
    private final BackupService backups;

    /** The layout of the hub's data directory; see {@link dk.spejl.io.DataFormat}. */
    public static final int DATA_FORMAT = 1;

    private Hub(Builder b) throws IOException {
        this.hubId = b.hubId;
        this.dataLock = dk.spejl.io.DataFormat.lock(b.dataDir);
        try {
            dk.spejl.io.DataFormat.check(b.dataDir, "spejl-hub", DATA_FORMAT, (dir, from) -> {
                throw new IOException("no upgrade from hub format " + from + " is known"); // none older than 1 exists yet
            });
            Backup.clearLeftovers(b.dataDir);
        } catch (IOException | RuntimeException e) {
            dataLock.close();
            throw e;
        }
        PeerRejections rejections = new PeerRejections(b.metrics);
        try {
            this.store = b.catalogue != null ? b.catalogue : CatalogueStore.open(b.dataDir.resolve("catalogue"));
        } catch (IOException | RuntimeException e) {
            dataLock.close();
            throw e;
        }
        Publisher publisher = null;
        ExecutorService feedExecutor = null;
        HeartbeatIssuer heartbeats = null;
        Server replicationServer = null;
        Server adminServer = null;
        dk.spejl.hub.replication.HeldManifests heldManifests = null;
        BackupService backups = null;
        dk.spejl.log.MerkleLog accessLog = null;
        java.util.concurrent.ScheduledExecutorService expiry = null;
        try {
            this.trust = HubTrust.load(b.keysDir, b.rootFingerprint, hubId, b.clock);
            this.objects = b.objects != null ? b.objects
                    : new TieredObjectStore(new SmallObjectStore(store.database()), new FileObjectStore(b.dataDir.resolve("objects")));
            publisher = new Publisher(hubId, store, objects, b.dataDir.resolve("scratch"), trust.manifestSigner(), b.clock,
                    b.snapshotPolicy, b.metrics);
            publisher.initialise();
            this.ingest = new Ingest(publisher, b.metrics);
            feedExecutor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "hub-feed");
                t.setDaemon(true);
                return t;
            });
            this.feed = new ManifestFeed(store, objects, trust.trustInfo(), trust.liveKeyIds(), feedExecutor);
            publisher.addListener(feed);
            // A hub restored from an older backup learns from its spokes how far it had published, and publishes above it.
            var restored = dk.spejl.hub.replication.HeldManifests.Restored.read(b.dataDir);
            restored.ifPresent(r -> log.info("this hub was restored from a backup of revision {} taken {}: it publishes above any newer"
                    + " revision of its own that a spoke holds ({} in {})", r.revision(), java.time.Instant.ofEpochMilli(r.takenAtMillis()),
                    dk.spejl.hub.replication.HeldManifests.Restored.FILE, b.dataDir));
            heldManifests = new dk.spejl.hub.replication.HeldManifests(hubId, store, publisher, () -> trust.keys().trusted(), restored,
                    b.restoreWindow, b.clock, b.metrics);
            feed.learnFrom(heldManifests);
            heartbeats = new HeartbeatIssuer(hubId, store, trust.heartbeatSigner(), feed, b.clock, b.heartbeatInterval, b.heartbeatValidity);
            trust.attach(publisher, feed, heartbeats);
            heartbeats.start();
            feed.heartbeats(heartbeats::latest);
            // Where every spoke is: each reports what it applied, and at least every 30 s.
            Path caCertificate = b.tls.trustedCa();
            java.util.concurrent.atomic.AtomicReference<Revocations> revokedSpokes = new java.util.concurrent.atomic.AtomicReference<>();
            this.spokes = new dk.spejl.hub.replication.SpokeRegistry(store, feed, b.clock, b.silentAfter, b.behindAfter, b.metrics,
                    () -> dk.spejl.tls.ServerPki.enrolled(caCertificate, PeerIdentity.Role.SPOKE),
                    name -> revokedSpokes.get() != null
                            && revokedSpokes.get().isRevoked(new PeerIdentity(PeerIdentity.Role.SPOKE, name, null, null)));
            ReplicationService replication = new ReplicationService(feed, objects, spokes, b.metrics);
            // Working-copy requests, grants and decisions: every one in the audit log, durably, before it takes effect.
            accessLog = dk.spejl.hub.access.AccessLog.open(b.dataDir, b.keysDir.resolve(HubKeys.AUDIT_LOG_KEY), hubId,
                    trust.keys().parsed(), b.accessCheckpoints, b.clock);
            this.access = dk.spejl.hub.access.requests.AccessBook.open(accessLog,
                    id -> store.records().get(id).map(dk.spejl.wire.HubRecord::getRecord), b.accessPolicy, b.clock);
            expiry = dk.spejl.hub.access.AccessLog.expireEvery(access, b.accessExpiryInterval);
            // Every watching spoke witnesses the log: it is sent each checkpoint, with a proof that it extends the last.
            dk.spejl.log.MerkleLog signing = accessLog;
            feed.audit(held -> dk.spejl.hub.access.AccessLog.checkpoint(signing, held));
            accessLog.listen((size, note) -> note.ifPresent(n -> feed.auditCheckpointed()));
            this.accessEvents = new dk.spejl.hub.access.AccessEvents(accessLog);
            // A revoked spoke loses its Watch streams and its object transfers at once.
            Path ca = b.tls.trustedCa();
            Revocations revocations = new Revocations(new RevocationStore(store.database(), b.clock),
                    name -> feed.disconnect(name) + replication.cutOff(name),
                    // A CA without a register issued its certificates before registers were kept: any name may be one of them.
                    name -> dk.spejl.tls.ServerPki.issued(ca, PeerIdentity.Role.SPOKE, name).orElse(true),
                    name -> dk.spejl.tls.ServerPki.issued(ca, PeerIdentity.Role.OPERATOR, name).orElse(true));
            revokedSpokes.set(revocations);

            Map<io.grpc.MethodDescriptor<?, ?>, AdminGrpc.AsyncService> admin = new LinkedHashMap<>();
            admin.put(AdminGrpc.getIngestMethod(), new IngestService(ingest, b.maxIngestLines));
            admin.put(AdminGrpc.getStatusMethod(), new StatusService(publisher, trust, rejections, feed, spokes::states));
            admin.put(AdminGrpc.getReloadKeysMethod(), new KeysService(trust));
            dk.spejl.log.MerkleLog backedUpLog = accessLog;
            Publisher backedUpPublisher = publisher;
            backups = new BackupService(() -> new Backup.Parts(hubId, b.dataDir, b.keysDir, b.rootFingerprint,
                    b.tls, store, objects, backedUpPublisher, backedUpLog, trust.keys().trusted().version(), b.clock));
            admin.put(AdminGrpc.getBackupMethod(), backups);
            RevocationService revoking = new RevocationService(revocations);
            admin.put(AdminGrpc.getRevokeSpokeMethod(), revoking);
            admin.put(AdminGrpc.getRevokeOperatorMethod(), revoking);

            dk.spejl.tls.TlsFiles.RefusedClients refusedByTls = (reason, subject, detail) ->
                    rejections.refused(reason, "client certificate '" + subject + "'", detail);
            replicationServer = NettyServerBuilder.forAddress(b.replicationAddress)
                    .sslContext(b.tls.serverContext(refusedByTls))
                    .addService(ServerInterceptors.intercept(replication,
                            new IdentityInterceptor(PeerIdentity.Role.SPOKE, revocations::isRevoked, rejections)))
                    .addService(ServerInterceptors.intercept(new dk.spejl.hub.access.AccessService(access, accessEvents, accessLog),
                            new IdentityInterceptor(PeerIdentity.Role.SPOKE, revocations::isRevoked, rejections)))
                    .maxInboundMessageSize(1 << 20)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .build().start();
            adminServer = NettyServerBuilder.forAddress(b.adminAddress)
                    .sslContext(b.tls.serverContext(refusedByTls))
                    .addService(ServerInterceptors.intercept(AdminServices.bind(admin),
                            new IdentityInterceptor(PeerIdentity.Role.OPERATOR, revocations::isRevoked, rejections)))
                    .maxInboundMessageSize(4 << 20)
                    .build().start();
            HubMetrics.register(b.metrics, trust, b.tls.certificate(), access);
            this.ops = b.opsAddress == null ? null : new OpsServer(b.opsAddress, HubMetrics.scrape(b.metrics), new OpsServer.Facts() {
                @Override
                public boolean hasHead() {
                    return store.head().isPresent();
                }

                @Override
                public java.time.Instant delegationExpires() {
                    return java.time.Instant.ofEpochMilli(trust.keys().trusted().expiresAtMillis());
                }
            }, b.tls.certificate(), b.readyMargin, b.clock);
        } catch (IOException | RuntimeException e) {
            if (adminServer != null) {
                adminServer.shutdownNow();
            }
            if (replicationServer != null) {
                replicationServer.shutdownNow();
                try {
                    replicationServer.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (heartbeats != null) {
                heartbeats.close();
            }
            if (backups != null) {
                backups.close();
            }
            if (expiry != null) {
                expiry.shutdownNow();
            }
            if (accessLog != null) {
                accessLog.close();
            }
            if (feedExecutor != null) {
                feedExecutor.shutdownNow();
            }
            if (heldManifests != null) {
                heldManifests.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            store.close();
            dataLock.close();
            throw e;
        }
        this.publisher = publisher;
        this.heldManifests = heldManifests;
        this.backups = backups;
        this.accessLog = accessLog;
        this.expiry = expiry;
        this.feedExecutor = feedExecutor;
        this.heartbeats = heartbeats;
        this.replicationServer = replicationServer;
        this.adminServer = adminServer;
        log.info("hub {} serving: replication on {}, admin on {}, head revision {}", hubId,
                replicationServer.getListenSockets(), adminServer.getListenSockets(), publisher.head().revision());
    }

    public static Builder builder() {
        return new Builder();
    }

    public String hubId() {
        return hubId;
    }

    /** The keys in use; see {@link #trust()} to take up a new delegation. */
    public HubKeys.Active keys() {
        return trust.keys();
    }

    public HubTrust trust() {
        return trust;
    }

    public Publisher publisher() {
        return publisher;
    }

    /** Validates and publishes ingest files, as the operators' ingest call does. */
    public Ingest ingest() {
        return ingest;
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

    /** Working-copy requests and grants (served to spokes as the {@code Access} service). */
    public dk.spejl.hub.access.requests.AccessBook access() {
        return access;
    }

    /** Where every spoke is, as it reported. */
    public dk.spejl.hub.replication.SpokeRegistry spokes() {
        return spokes;
    }

    /** The access audit log the book's actions are appended to. */
    public dk.spejl.log.MerkleLog accessLog() {
        return accessLog;
    }

    public int replicationPort() {
        return ((InetSocketAddress) replicationServer.getListenSockets().get(0)).getPort();
    }

    public int adminPort() {
        return ((InetSocketAddress) adminServer.getListenSockets().get(0)).getPort();
    }

    /** The operations port (/metrics, /healthz, /readyz), when one was asked for. */
    public Optional<InetSocketAddress> opsAddress() {
        return Optional.ofNullable(ops).map(OpsServer::address);
    }

    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        heartbeats.close();
        feed.closeAll();
        accessEvents.close();
        replicationServer.shutdownNow();
        adminServer.shutdownNow();
        backups.close(); // a backup being gathered finishes before the databases close
        try {
            replicationServer.awaitTermination(5, TimeUnit.SECONDS);
            adminServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heldManifests.close(); // a bridge being published finishes, and tells its watchers, while the feed still runs
        feedExecutor.shutdownNow();
        expiry.shutdownNow();
        try {
            expiry.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        accessLog.close();
        publisher.close();
        store.close();
        try {
            dataLock.close();
        } catch (IOException e) {
            log.warn("could not release {}: {}", dk.spejl.io.DataFormat.LOCK, e.toString());
        }
        log.info("hub {} stopped", hubId);
    }

    /**
     * Where a hub's parts come from. Each part has a default built from the data directory; a part
     * given here is used instead, and the hub closes it when it closes.
     */
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
        private MeterRegistry metrics = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        private InetSocketAddress opsAddress;
        private Duration readyMargin = Duration.ofHours(1);

        /** Serve /metrics, /healthz and /readyz here (plain HTTP); not served when never set. */
        public Builder ops(InetSocketAddress address, Duration readyMargin) {
            this.opsAddress = address;
            this.readyMargin = readyMargin;
            return this;
        }
        private long maxIngestLines = 5_000_000;
        private Duration heartbeatInterval = Duration.ofSeconds(60);
        private Duration heartbeatValidity = Duration.ofMinutes(5);
        private CatalogueStore catalogue;
        private ObjectStore objects;
        private dk.spejl.hub.access.requests.AccessBook.Policy accessPolicy = dk.spejl.hub.access.requests.AccessBook.Policy.DEFAULT;
        private Duration accessExpiryInterval = Duration.ofMinutes(1);
        private dk.spejl.log.MerkleLog.Policy accessCheckpoints = dk.spejl.hub.access.AccessLog.CHECKPOINTS;
        private Duration behindAfter = Duration.ofSeconds(60);
        private Duration restoreWindow = Duration.ofSeconds(30);

        /**
         * After a restore: how long the hub gathers its spokes' held manifests after it starts before it publishes one
         * bridge above the newest, and the least time between two such publishes.
         */
        public Builder restoreWindow(Duration window) {
            this.restoreWindow = window;
            return this;
        }
        private Duration silentAfter = Duration.ofMinutes(2);

        /** How long a spoke may go without a report before the hub calls it silent (spokes report at least every 30 s). */
        public Builder silentAfter(Duration quiet) {
            this.silentAfter = quiet;
            return this;
        }

        /** How long after a revision is published a spoke that has not applied it counts as behind. */
        public Builder behindAfter(Duration grace) {
            this.behindAfter = grace;
            return this;
        }

        /** How often the access log signs a checkpoint: every so many entries or so long, whichever comes first. */
        public Builder accessCheckpoints(int entries, Duration interval) {
            this.accessCheckpoints = new dk.spejl.log.MerkleLog.Policy(entries, interval);
            return this;
        }

        /** How often approvals whose time is up are expired. */
        public Builder accessExpiryInterval(Duration interval) {
            this.accessExpiryInterval = interval;
            return this;
        }

        /** Whether the owner region's own clinicians are approved without a steward, and an approval's default lifetime. */
        public Builder accessPolicy(dk.spejl.hub.access.requests.AccessBook.Policy policy) {
            this.accessPolicy = policy;
            return this;
        }

        /** How often a signed heartbeat is pushed, and how long each stays valid at the spokes. */
        public Builder heartbeats(Duration interval, Duration validity) {
            this.heartbeatInterval = interval;
            this.heartbeatValidity = validity;
            return this;
        }

        /** Where the catalogue, the objects and the scratch space for snapshots live, unless given below. */
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

        /** The catalogue to publish into, instead of the one under the data directory. */
        public Builder catalogue(CatalogueStore catalogue) {
            this.catalogue = catalogue;
            return this;
        }

        /** Where published objects go, instead of the catalogue's RocksDB and the data directory's files. */
        public Builder objects(ObjectStore objects) {
            this.objects = objects;
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
