package dk.spejl.hub.replication;

import com.google.protobuf.ByteString;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Signs a heartbeat (head revision, its manifest digest, issued-at, expiry) on an interval and
 * pushes it to every watching spoke. A spoke that stops receiving them goes stale when the
 * newest one expires, so a frozen or withheld feed is visible (invariant 3).
 */
public final class HeartbeatIssuer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatIssuer.class);

    private final String hubId;
    private final CatalogueStore store;
    private volatile HeartbeatSigner signer;
    private final ManifestFeed feed;
    private final Clock clock;
    private final Duration validity;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private volatile SignedHeartbeat latest;

    public HeartbeatIssuer(String hubId, CatalogueStore store, HeartbeatSigner signer, ManifestFeed feed, Clock clock,
                           Duration interval, Duration validity) {
        if (validity.compareTo(interval) <= 0) {
            throw new IllegalArgumentException("heartbeat validity (" + validity + ") must be longer than the interval (" + interval + ")");
        }
        this.hubId = hubId;
        this.store = store;
        this.signer = signer;
        this.feed = feed;
        this.clock = clock;
        this.validity = validity;
        this.interval = interval;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /** Issues the first heartbeat now and one every interval from then on. */
    public void start() {
        issue();
        scheduler.scheduleAtFixedRate(this::issue, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Signs from now on with this key (after a key rotation), and issues a heartbeat under it at once. */
    public void signWith(HeartbeatSigner signer) {
        this.signer = signer;
        scheduler.execute(this::issue);
    }

    /** The newest heartbeat, sent first to every spoke that starts watching. */
    public Optional<SignedHeartbeat> latest() {
        return Optional.ofNullable(latest);
    }

    private void issue() {
        try {
            Head head = store.head().orElseThrow();
            long now = clock.millis();
            latest = signer.sign(Heartbeat.newBuilder().setHubId(hubId).setHeadRevision(head.revision())
                    .setHeadManifestDigest(ByteString.copyFrom(head.manifestDigest()))
                    .setIssuedAtMillis(now).setExpiresAtMillis(now + validity.toMillis()).build());
            feed.broadcast(latest);
        } catch (RuntimeException e) {
            log.warn("could not issue a heartbeat: {}", e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
