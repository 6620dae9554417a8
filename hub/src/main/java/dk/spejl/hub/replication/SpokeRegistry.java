package dk.spejl.hub.replication;

import dk.spejl.hub.catalogue.CatalogueDatabase;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.storage.KeyPrefix;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SpokeReport;
import dk.spejl.wire.SpokeState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * Where every spoke is, as it last reported (after each revision it applied and each heartbeat it accepted): kept
 * under {@code k/<name>} in the catalogue's database, so that a restarted hub still knows the spokes that have not
 * come back. With the CA's register of enrolled spokes and the open Watch streams, it names each spoke's condition:
 * ok, behind (connected or not, it lacks a revision published more than a grace period ago), silent (no report
 * for longer than it should be) or never seen.
 */
public final class SpokeRegistry {
    private static final Logger log = LoggerFactory.getLogger(SpokeRegistry.class);
    private static final KeyPrefix PREFIX = KeyPrefix.of("k/");

    private final CatalogueStore store;
    private final ManifestFeed feed;
    private final Clock clock;
    private final Duration silentAfter;
    private final Duration behindAfter;
    private final MeterRegistry metrics;
    private final Enrolled enrolled;
    private final Predicate<String> revoked;
    private final ConcurrentMap<String, SpokeState> seen = new ConcurrentHashMap<>();

    /** The spokes the CA enrolled, as their certificates name them. */
    @FunctionalInterface
    public interface Enrolled {
        Collection<PeerIdentity> list() throws IOException;
    }
    private final Set<String> metered = ConcurrentHashMap.newKeySet();

    /**
     * @param silentAfter how long a spoke may go without a report (it reports at least at every heartbeat)
     * @param behindAfter how long after a revision is published a spoke that lacks it counts as behind
     */
    public SpokeRegistry(CatalogueStore store, ManifestFeed feed, Clock clock, Duration silentAfter, Duration behindAfter, MeterRegistry metrics,
                         Enrolled enrolled, Predicate<String> revoked) throws IOException {
        this.enrolled = enrolled;
        this.revoked = revoked;
        this.store = store;
        this.feed = feed;
        this.clock = clock;
        this.silentAfter = silentAfter;
        this.behindAfter = behindAfter;
        this.metrics = metrics;
        CatalogueDatabase db = store.database();
        for (String name : db.names(PREFIX)) {
            byte[] stored = db.get(PREFIX.key(name));
            if (stored != null) {
                seen.put(name, SpokeState.parseFrom(stored));
                meter(name);
            }
        }
        Gauge.builder("spejl_hub_spokes_connected", feed, f -> f.watchers().stream().map(w -> w.identity().name()).distinct().count())
                .description("spokes with a Watch stream open").register(metrics);
        try {
            enrolled.list().forEach(p -> meter(p.name())); // a series for every enrolled spoke from the start, heard from or not
        } catch (IOException e) {
            log.warn("cannot read the CA's register of spokes: {}; their gauges come as each reports", e.toString());
        }
    }

    /** A report from the spoke its certificate names. */
    void reported(PeerIdentity spoke, SpokeReport report) throws IOException {
        SpokeState state = SpokeState.newBuilder().setName(spoke.name()).setRegion(spoke.region() == null ? "" : spoke.region())
                .setReported(true).setHasState(report.getHasState()).setAppliedRevision(report.getAppliedRevision())
                .setLastSeenMillis(clock.millis()).setHeartbeatIssuedAtMillis(report.getHeartbeatIssuedAtMillis())
                .putAllVerificationFailures(report.getVerificationFailuresMap()).build();
        SpokeState before = seen.put(spoke.name(), state);
        // Not synced: a report lost in a crash is sent again at the spoke's next heartbeat.
        store.database().put(PREFIX.key(spoke.name()), state.toByteArray(), CatalogueDatabase.Write.LOGGED);
        if (before == null) {
            log.info("spoke {} reports for the first time: {}", spoke, report.getHasState() ? "revision " + report.getAppliedRevision() : "empty");
            meter(spoke.name());
        } else if (!before.getVerificationFailuresMap().equals(state.getVerificationFailuresMap())) {
            log.warn("spoke {} refused what it was sent: {}", spoke, state.getVerificationFailuresMap());
        }
    }

    /**
     * Every spoke: those enrolled (the CA's register) that are not revoked, and any other that has reported, by
     * name; each with its condition against the head now.
     */
    public List<SpokeState> states() throws IOException {
        Head head = store.head().orElseThrow();
        Set<String> connected = new java.util.HashSet<>();
        feed.watchers().forEach(w -> connected.add(w.identity().name()));
        Map<String, SpokeState> all = new TreeMap<>();
        for (PeerIdentity p : enrolled.list()) {
            if (!revoked.test(p.name())) {
                all.put(p.name(), SpokeState.newBuilder().setName(p.name()).setRegion(p.region() == null ? "" : p.region()).build());
                meter(p.name());
            }
        }
        seen.forEach((name, state) -> {
            if (!revoked.test(name)) {
                all.put(name, state);
            }
        });
        List<SpokeState> out = new ArrayList<>();
        for (SpokeState s : all.values()) {
            out.add(condition(s, head, connected.contains(s.getName())));
        }
        return out;
    }

    private SpokeState condition(SpokeState s, Head head, boolean connected) {
        SpokeState.Builder b = s.toBuilder().setConnected(connected);
        long now = clock.millis();
        if (!s.getReported()) {
            return b.setBehindRevisions(head.revision() + 1).setCondition("never_seen").build();
        }
        // An empty spoke lacks every revision from 0 to the head.
        long behind = s.getHasState() ? Math.max(0, head.revision() - s.getAppliedRevision()) : head.revision() + 1;
        double lag = behind == 0 ? 0 : (now - publishedAfter(s.getHasState() ? s.getAppliedRevision() : -1, head)) / 1000.0;
        b.setBehindRevisions(behind).setLagSeconds(Math.max(0, lag));
        if (now - s.getLastSeenMillis() > silentAfter.toMillis()) {
            return b.setCondition("silent").build();
        }
        return b.setCondition(behind > 0 && lag * 1000 > behindAfter.toMillis() ? "behind" : "ok").build();
    }

    /** When the first revision after {@code applied} was published; the oldest retained when that one is not. */
    private long publishedAfter(long applied, Head head) {
        try {
            long revision = Math.max(applied + 1, store.manifests().oldestRevision());
            Optional<dk.spejl.wire.SignedManifest> signed = store.manifests().get(revision);
            if (signed.isPresent()) {
                return Manifest.parseFrom(signed.get().getManifest()).getPublishedAtMillis();
            }
        } catch (IOException e) {
            log.warn("cannot read the manifest after revision {}: {}", applied, e.toString());
        }
        return head.manifest().getPublishedAtMillis();
    }

    /**
     * One spoke's meters, registered once: whether it is ok, its applied revision, how far behind, its lag, when it
     * was last seen and what it refused. A spoke never heard from reads NaN but for {@code ok} (0); a revoked one, NaN.
     */
    private void meter(String name) {
        if (!metered.add(name)) {
            return;
        }
        Gauge.builder("spejl_hub_spoke_ok", () -> value(name, s -> s.getCondition().equals("ok") ? 1 : 0, true))
                .description("1 while the spoke is ok (holds a recent head and reports); 0 when behind, silent or never seen")
                .tag("spoke", name).register(metrics);
        Gauge.builder("spejl_hub_spoke_applied_revision", () -> value(name, s -> s.getHasState() ? s.getAppliedRevision() : Double.NaN, false))
                .description("the revision the spoke last reported as verified and applied (NaN before it holds one)")
                .tag("spoke", name).register(metrics);
        Gauge.builder("spejl_hub_spoke_behind_revisions", () -> value(name, s -> (double) s.getBehindRevisions(), false))
                .description("how many revisions the hub's head is ahead of what the spoke applied").tag("spoke", name).register(metrics);
        Gauge.builder("spejl_hub_spoke_lag_seconds", () -> value(name, SpokeState::getLagSeconds, false))
                .description("how long ago the first revision the spoke lacks was published (0 when it holds the head)").tag("spoke", name)
                .register(metrics);
        io.micrometer.core.instrument.FunctionCounter.builder("spejl_hub_spoke_refusals_total", this,
                        r -> r.value(name, s -> s.getVerificationFailuresMap().values().stream().mapToLong(Long::longValue).sum(), false))
                .description("what the spoke refused since it started, as it reported (it starts again from 0 when the spoke restarts)")
                .tag("spoke", name).register(metrics);
        Gauge.builder("spejl_hub_spoke_last_seen_timestamp_seconds", () -> value(name, s -> s.getLastSeenMillis() / 1000.0, false))
                .description("when the spoke last reported, in seconds since the epoch").tag("spoke", name).register(metrics);
    }

    /** A meter's value now; {@code unseen}: also for a spoke never heard from (as enrolled, never seen). */
    private double value(String name, java.util.function.ToDoubleFunction<SpokeState> what, boolean unseen) {
        SpokeState s = seen.get(name);
        if (revoked.test(name) || store.head().isEmpty() || (s == null && !unseen)) {
            return Double.NaN;
        }
        if (s == null) {
            s = SpokeState.newBuilder().setName(name).build();
        }
        Set<String> connected = new java.util.HashSet<>();
        feed.watchers().forEach(w -> connected.add(w.identity().name()));
        return what.applyAsDouble(condition(s, store.head().get(), connected.contains(name)));
    }
}
