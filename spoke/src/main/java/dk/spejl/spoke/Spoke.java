package dk.spejl.spoke;

import dk.spejl.spoke.browse.BrowseLog;
import dk.spejl.spoke.http.HttpLimits;
import dk.spejl.spoke.http.HttpServer;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.sync.Follower;
import dk.spejl.spoke.search.Search;
import dk.spejl.spoke.search.SearchApi;
import dk.spejl.spoke.search.SearchIndex;
import dk.spejl.spoke.sync.HeldDelegation;
import dk.spejl.spoke.sync.Freshness;
import dk.spejl.spoke.sync.SyncMetrics;
import dk.spejl.spoke.sync.SyncSettings;
import dk.spejl.tls.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The spoke daemon's front door: the replica, the follower that keeps it in step with the
 * hub, and the HTTP API, assembled from a {@link Builder}. The CLI and the tests both build
 * spokes through here.
 */
public final class Spoke implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spoke.class);

    private final String name;
    private final Replica replica;
    private final ManagedChannel channel;
    private final Follower follower;
    private final HttpServer http;
    private final PrometheusMeterRegistry metrics;
    private final Freshness freshness;

    /** The newest key delegation accepted, beside the replica in the data dir. */
    public static final String TRUST_FILE = "trust.bin";

    private final String rootFingerprint;
    private final HeldDelegation delegation;
    private final SearchIndex index;
    private final Search search;
    private final dk.spejl.spoke.sync.AuditWitness witness;
    private dk.spejl.spoke.access.AccessFeed accessFeed;
    private final java.io.Closeable dataLock;
    /** Every search, record view and subject view, durable before its answer (docs/design.md, "Identity"). */
    private BrowseLog browseLog;
    /** The search index, beside the replica in the data dir. */
    public static final String INDEX_DIR = "index";

    /** The layout of the spoke's data directory; see {@link dk.spejl.io.DataFormat}. */
    public static final int DATA_FORMAT = 1;

    private Spoke(Builder b) throws IOException {
        this.name = b.name;
        this.dataLock = dk.spejl.io.DataFormat.lock(b.dataDir);
        try {
            dk.spejl.io.DataFormat.check(b.dataDir, "spejl-spoke", DATA_FORMAT, (dir, from) -> {
                throw new IOException("no upgrade from spoke format " + from + " is known"); // none older than 1 exists yet
            });
        } catch (IOException | RuntimeException e) {
            dataLock.close();
            throw e;
        }
        this.metrics = b.metrics != null ? b.metrics : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            this.replica = b.replica != null ? b.replica : Replica.open(b.dataDir.resolve("replica"), b.syncWrites);
        } catch (IOException | RuntimeException e) {
            dataLock.close();
            throw e;
        }
        ManagedChannel channel = null;
        Follower follower = null;
        SearchIndex index = null;
        try {
            // Before anything is applied, so that the index hears of every revision from here on.
            index = SearchIndex.open(b.dataDir.resolve(INDEX_DIR), replica, metrics, b.clock);
            index.beforeBuild(b.beforeIndexBuild);
            index.start();
            this.index = index;
            this.search = new Search(index, b.dataDir.resolve("cursor.key"), b.clock);
            this.browseLog = BrowseLog.open(b.dataDir, b.name, b.clock);
            channel = NettyChannelBuilder.forAddress(b.hubAddress)
                    .sslContext(b.tls.clientContext())
                    .overrideAuthority(b.hubAuthority == null ? b.hubAddress.getHostString() : b.hubAuthority)
                    .maxInboundMessageSize(4 << 20)
                    .keepAliveTime(30, TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true)
                    .build();
            SyncMetrics syncMetrics = new SyncMetrics(metrics, replica, b.clock);
            this.freshness = new Freshness(b.clock, b.freshnessWindow, b.dataDir.resolve("heartbeat.bin"),
                    () -> replica.state().map(s -> s.position()));
            io.micrometer.core.instrument.Gauge.builder("spejl_spoke_stale", freshness, f -> f.staleSince().isPresent() ? 1 : 0)
                    .description("1 while the data shown is stale: no valid signed heartbeat, or behind the head it names").register(metrics);
            io.micrometer.core.instrument.Gauge.builder("spejl_spoke_behind_revisions", freshness,
                            f -> f.behind().map(Freshness.Behind::revisions).orElse(0L))
                    .description("how many revisions the head that signed heartbeats name is ahead of the replica").register(metrics);
            spaceAndExpiry(b);
            this.rootFingerprint = b.rootFingerprint;
            this.delegation = new HeldDelegation(b.dataDir.resolve(TRUST_FILE), b.rootFingerprint);
            syncMetrics.delegation(delegation);
            this.witness = new dk.spejl.spoke.sync.AuditWitness(b.dataDir, metrics, b.clock);
            follower = new Follower(replica, channel, delegation, name, b.clock, syncMetrics, b.watchDeadline,
                    freshness, b.listener, b.sync, b.fatal, witness);
            // The hub connection (TLS handshake, key delegation, perhaps a bootstrap) starts while the HTTP side does.
            follower.start();
            this.accessFeed = new dk.spejl.spoke.access.AccessFeed(b.dataDir, channel, metrics);
            witness.proofs(accessFeed::consistency);
            io.micrometer.core.instrument.Gauge.builder("spejl_spoke_audit_unwitnessed_events", accessFeed,
                            f -> Math.max(0, f.next() - witness.heldSize()))
                    .description("access events of this region held beyond the witnessed checkpoint: growing, the hub withholds checkpoints")
                    .register(metrics);
            accessFeed.start();
            this.http = new HttpServer(b.httpAddress, SpokeRoutes.assemble(b, replica, freshness, index, search, browseLog, metrics, new dk.spejl.spoke.access.HubAccess(channel), accessFeed, witness), metrics, b.httpLimits,
                    b.httpTls == null ? null : dk.spejl.spoke.http.HttpTls.server(b.httpTls.certificate(), b.httpTls.privateKey()),
                    b.behindTlsProxy);
        } catch (IOException | RuntimeException e) {
            abandon(follower, channel, index);
            throw e;
        } catch (InterruptedException e) {
            abandon(follower, channel, index);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding HTTP", e);
        }
        this.channel = channel;
        this.follower = follower;
        log.info("spoke {} serving {} on {}, following hub at {}, holding {}", name, b.httpTls == null ? "HTTP" : "HTTPS", http.address(), b.hubAddress,
                replica.state().map(s -> "revision " + s.revision()).orElse("nothing yet"));
    }

    /** The data disk's free and total bytes, and when the spoke's certificate for the hub expires. */
    private void spaceAndExpiry(Builder b) throws IOException {
        java.nio.file.FileStore disk = java.nio.file.Files.getFileStore(b.dataDir);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_data_disk_free_bytes", disk, d -> {
            try {
                return d.getUsableSpace();
            } catch (IOException e) {
                return Double.NaN;
            }
        }).description("bytes free to the spoke on its data directory's file system").strongReference(true).register(metrics);
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_data_disk_size_bytes", disk, d -> {
            try {
                return d.getTotalSpace();
            } catch (IOException e) {
                return Double.NaN;
            }
        }).description("the size of the spoke's data directory's file system").strongReference(true).register(metrics);
        double expires = dk.spejl.tls.Pem.readCertificates(b.tls.certificate())[0].getNotAfter().getTime() / 1000.0;
        io.micrometer.core.instrument.Gauge.builder("spejl_spoke_certificate_expiry_timestamp_seconds", () -> expires)
                .description("when the spoke's certificate for the hub expires, in seconds since the epoch").tag("certificate", "spoke")
                .register(metrics);
    }

    /** Undoes a start that failed part way. */
    private void abandon(Follower follower, ManagedChannel channel, SearchIndex index) {
        if (accessFeed != null) {
            accessFeed.close();
        }
        if (browseLog != null) {
            browseLog.close();
        }
        if (follower != null) {
            follower.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (index != null) {
            index.close();
        }
        replica.close();
        try {
            dataLock.close();
        } catch (IOException e) {
            log.warn("could not release {}: {}", dk.spejl.io.DataFormat.LOCK, e.toString());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The full check of {@code spejl-spoke verify}, against this spoke's pin and held delegation. */
    public dk.spejl.spoke.replica.ReplicaCheck.Outcome check() {
        return dk.spejl.spoke.replica.ReplicaCheck.run(replica, rootFingerprint, delegation.current());
    }

    /** The newest key delegation this spoke has accepted. */
    public HeldDelegation delegation() {
        return delegation;
    }

    public Replica replica() {
        return replica;
    }

    public InetSocketAddress httpAddress() {
        return http.address();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public boolean connected() {
        return follower.connected();
    }

    /** How far behind the head the hub names this spoke is, and since when; empty while it holds the head. */
    public Optional<Freshness.Behind> behind() {
        return freshness.behind();
    }

    /**
     * Since when the data shown is stale: no valid signed heartbeat from the hub, or not holding the head it names (invariant 3).
     * The spoke keeps serving its last verified revision meanwhile.
     */
    public Optional<Instant> staleSince() {
        return freshness.staleSince();
    }

    public boolean awaitRevision(long revision, Duration timeout) throws InterruptedException {
        return replica.awaitRevision(revision, timeout.toMillis());
    }

    /** Waits until searches are answered at {@code revision} or later. */
    public boolean awaitSearchable(long revision, Duration timeout) throws InterruptedException {
        return index.awaitRevision(revision, timeout.toMillis());
    }

    public SearchIndex index() {
        return index;
    }

    public Search search() {
        return search;
    }

    /** This spoke as a witness of the hub's access audit log. */
    public dk.spejl.spoke.sync.AuditWitness witness() {
        return witness;
    }

    /** The hub's access events for this spoke's region, as held here. */
    public dk.spejl.spoke.access.AccessFeed accessFeed() {
        return accessFeed;
    }

    public BrowseLog browseLog() {
        return browseLog;
    }

    @Override
    public void close() {
        follower.close();
        http.close();
        accessFeed.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        search.close();
        browseLog.close();
        index.close();
        replica.close();
        try {
            dataLock.close();
        } catch (IOException e) {
            log.warn("could not release {}: {}", dk.spejl.io.DataFormat.LOCK, e.toString());
        }
        log.info("spoke {} stopped", name);
    }

    public static final class Builder {
        String name = "spoke";
        Path dataDir;
        private InetSocketAddress hubAddress;
        private String hubAuthority;
        private String rootFingerprint;
        TlsFiles tls;
        private InetSocketAddress httpAddress = new InetSocketAddress("127.0.0.1", 0);
        Clock clock = Clock.systemUTC();
        private Duration freshnessWindow = Duration.ofMinutes(5);
        private Duration watchDeadline = Duration.ofMinutes(30);
        private boolean syncWrites = true;
        private Follower.ApplyListener listener = (revision, bootstrap, nanos) -> { };
        private Replica replica;
        private PrometheusMeterRegistry metrics;
        private SyncSettings sync = SyncSettings.DEFAULT;
        private HttpLimits httpLimits = HttpLimits.DEFAULT;
        private java.util.function.Consumer<Throwable> fatal = Builder::exit;
        java.util.function.Consumer<Routes> routes = r -> { };
        SearchApi.CountPolicy counts = SearchApi.CountPolicy.DEFAULT;
        private Runnable beforeIndexBuild = () -> { };
        Logins logins = Logins.NONE;
        private TlsFiles httpTls;
        private boolean behindTlsProxy;
        java.util.Set<java.net.InetAddress> metricsFrom = java.util.Set.of();

        /** Serve {@code /metrics} only to these addresses (a Prometheus server's); to anyone when empty. */
        public Builder metricsFrom(java.util.Set<java.net.InetAddress> addresses) {
            this.metricsFrom = java.util.Set.copyOf(addresses);
            return this;
        }

        /** The HTTP port is reached only through a TLS-terminating proxy: cookies are marked Secure as if it served TLS. */
        public Builder behindTlsProxy(boolean behind) {
            this.behindTlsProxy = behind;
            return this;
        }

        /** Serve HTTPS on the HTTP port with this certificate chain and key (its trusted CA is not used). */
        public Builder httpTls(TlsFiles files) {
            this.httpTls = files;
            return this;
        }

        /** How people sign in; a spoke built without this lets everyone in as {@link dk.spejl.spoke.auth.Caller#ANONYMOUS} (tests). */
        public Builder logins(Logins logins) {
            this.logins = logins;
            return this;
        }

        /** For tests: runs on the index's writer thread before each build of the search index. */
        public Builder beforeIndexBuild(Runnable hook) {
            this.beforeIndexBuild = hook;
            return this;
        }

        /** What /api/v1/counts may say. */
        public Builder counts(SearchApi.CountPolicy counts) {
            this.counts = counts;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder hub(InetSocketAddress address) {
            this.hubAddress = address;
            return this;
        }

        /** The name the hub's certificate is checked against, when it differs from the address's host. */
        public Builder hubAuthority(String authority) {
            this.hubAuthority = authority;
            return this;
        }

        /** The fingerprint of the hub's root key: the one thing this spoke trusts a key delegation by. */
        public Builder rootFingerprint(String fingerprint) {
            this.rootFingerprint = fingerprint;
            return this;
        }

        public Builder tls(TlsFiles tls) {
            this.tls = tls;
            return this;
        }

        public Builder http(InetSocketAddress address) {
            this.httpAddress = address;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder freshnessWindow(Duration window) {
            this.freshnessWindow = window;
            return this;
        }

        public Builder watchDeadline(Duration deadline) {
            this.watchDeadline = deadline;
            return this;
        }

        public Builder syncWrites(boolean syncWrites) {
            this.syncWrites = syncWrites;
            return this;
        }

        public Builder onApplied(Follower.ApplyListener listener) {
            this.listener = listener;
            return this;
        }

        /** The replica to keep, instead of the one under the data directory; the spoke closes it when it closes. */
        public Builder replica(Replica replica) {
            this.replica = replica;
            return this;
        }

        /** Where the spoke's metrics go; {@code /metrics} scrapes this registry. */
        public Builder metrics(PrometheusMeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        /**
         * What happens when the sync thread meets something it cannot go on from (an {@code Error}). By
         * default the process logs it and exits with status 70, so that its supervisor restarts it: a
         * spoke that silently stopped following would serve an ever older revision.
         */
        public Builder onFatal(java.util.function.Consumer<Throwable> fatal) {
            this.fatal = fatal;
            return this;
        }

        private static void exit(Throwable cause) {
            log.error("the sync thread cannot go on; exiting with status 70 so that the spoke is restarted", cause);
            Runtime.getRuntime().halt(70);
        }

        /** What the HTTP side takes from a client: idle time, connections, request sizes. */
        public Builder httpLimits(HttpLimits limits) {
            this.httpLimits = limits;
            return this;
        }

        /** How objects are fetched and snapshots bootstrapped. */
        public Builder sync(SyncSettings sync) {
            this.sync = sync;
            return this;
        }

        /** Adds HTTP routes beside the browse API and metrics (see {@link Routes.Handler} on checking path parameters). */
        public Builder routes(java.util.function.Consumer<Routes> routes) {
            this.routes = routes;
            return this;
        }

        public Spoke start() throws IOException {
            if (dataDir == null || hubAddress == null || rootFingerprint == null || tls == null) {
                throw new IllegalStateException("a spoke needs a data dir, a hub address, a pinned key fingerprint and TLS files");
            }
            return new Spoke(this);
        }
    }
}
