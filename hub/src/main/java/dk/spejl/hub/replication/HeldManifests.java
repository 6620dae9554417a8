package dk.spejl.hub.replication;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.ManifestVerifier;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.verify.VerifiedManifest;
import dk.spejl.wire.SignedManifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * What the manifest a spoke holds tells the hub about its own history. Normally nothing: the hub holds the same manifest
 * under that number, or has collected it. But a hub restored from an older backup is behind what its spokes hold, and
 * its next revisions would reuse numbers that the spokes hold with other content: every spoke would stop at a broken
 * chain. So each spoke sends its held manifest as it starts watching, and when this hub's own key signed it and it is
 * above the head, the hub publishes a bridge revision above it, chained to it, with a snapshot of what the hub holds
 * ({@link Publisher#bridge}); spokes reach the bridge by its snapshot. A spoke that holds, under a number at or below
 * the head, a manifest of this hub's that the hub does not hold (a restored hub published that number again before
 * the spoke came back, or the revision was lost and the hub never held that number) is moved to a snapshot at least
 * two revisions above it, publishing one if none is.
 *
 * <p>Only a hub restored from a backup does this ({@link Restored}, the mark {@code spejl-hub restore} leaves): a hub that
 * never lost its store has nothing to learn, and a manifest above its head can only be a forgery made with a leaked
 * key, which must not move its numbering for good. Even then, only a manifest that verifies under this hub's current
 * key delegation counts (a spoke cannot make the hub jump with anything the hub did not sign itself, and a key the
 * delegation revoked moves nothing), only one numbered as a hub could have published between the backup and the
 * restore, at no more than {@link #MAX_REVISIONS_PER_SECOND} (a leaked key cannot make the restored hub jump to 2^63),
 * only one numbered above the backup's revision (below it the hub holds its history exactly), and only for
 * {@link #LEARN_FOR} after the restore. It gathers held manifests for a while after it starts before it publishes,
 * and acts at most once a while after that ({@code restore.window}).
 */
public final class HeldManifests implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeldManifests.class);

    /** What a held manifest says. */
    public enum Finding {
        /** Nothing to do: the hub holds it, collected it, or did not sign it. */
        NONE,
        /** Signed by this hub above its head: the hub lost history and publishes a bridge above it. */
        AHEAD,
        /** Signed by this hub under a number the hub now holds with other content. */
        FORK,
        /**
         * Signed by this hub before the restore, under a number at or below the head that the hub holds no manifest of
         * (it never held it, or has collected its own): a lost revision, which nothing the hub sends can continue.
         */
        LOST
    }

    /** More revisions a second than any hub publishes (a publish takes a synced commit): the bound on a plausible claim. */
    public static final long MAX_REVISIONS_PER_SECOND = 10_000;
    /** How long after a restore the hub learns from its spokes; a spoke away longer is treated as any other. */
    public static final java.time.Duration LEARN_FOR = java.time.Duration.ofDays(14);

    /** The mark a restore leaves in the data directory: the revision and time of the backup, and when it was restored. */
    public record Restored(long revision, long takenAtMillis, long restoredAtMillis) {
        public static final String FILE = "RESTORED";

        /** The mark in {@code dataDir}, if the hub was restored. */
        public static Optional<Restored> read(java.nio.file.Path dataDir) throws IOException {
            java.nio.file.Path file = dataDir.resolve(FILE);
            if (!java.nio.file.Files.exists(file)) {
                return Optional.empty();
            }
            java.util.Properties p = new java.util.Properties();
            try (var reader = java.nio.file.Files.newBufferedReader(file)) {
                p.load(reader);
            }
            try {
                return Optional.of(new Restored(Long.parseLong(p.getProperty("backup.revision", "").trim()),
                        Long.parseLong(p.getProperty("backup.taken_at_millis", "").trim()),
                        Long.parseLong(p.getProperty("restored_at_millis", "").trim())));
            } catch (NumberFormatException e) {
                throw new IOException(file + " is not a restore mark (backup.revision, backup.taken_at_millis, restored_at_millis): "
                        + e.getMessage());
            }
        }

        public void write(java.nio.file.Path dataDir) throws IOException {
            dk.spejl.io.DurableFile.write(dataDir.resolve(FILE), ("# written by spejl-hub restore: this hub was restored from a backup.\n"
                    + "# For " + LEARN_FOR.toDays() + " days from the restore the hub publishes above any newer revision of its own that a"
                    + " spoke holds (docs/operations.md).\n"
                    + "backup.revision = " + revision + "\nbackup.taken_at_millis = " + takenAtMillis
                    + "\nrestored_at_millis = " + restoredAtMillis + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /**
         * The highest revision a hub could have published between the backup and the restore, counting at least a day
         * (the two times come from two machines' clocks, which may disagree).
         */
        long plausibleUpTo() {
            long seconds = Math.max(86_400, Math.max(0, restoredAtMillis - takenAtMillis) / 1000 + 1);
            try {
                return Math.addExact(revision, Math.multiplyExact(seconds, MAX_REVISIONS_PER_SECOND));
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE / 2;
            }
        }

        boolean learning(long nowMillis) {
            return nowMillis - restoredAtMillis <= LEARN_FOR.toMillis();
        }
    }

    private final Optional<Restored> restored;
    private final java.time.Clock clock;
    private final CatalogueStore store;
    private final Publisher publisher;
    private final Supplier<TrustedKeys> keys;
    private final String hubId;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hub-bridge");
        t.setDaemon(true);
        return t;
    });
    private final Counter bridges;
    private final Counter forks;
    /** How long the hub gathers held manifests after it starts before it acts, and the least time between two acts. */
    private final java.time.Duration spacing;
    /** When the hub may act next (the bridge thread's). */
    private long nextActMillis;
    /** The highest held manifest seen above the head: one bridge above it serves every spoke gathered meanwhile. */
    private final java.util.concurrent.atomic.AtomicReference<VerifiedManifest> highest = new java.util.concurrent.atomic.AtomicReference<>();

    public HeldManifests(String hubId, CatalogueStore store, Publisher publisher, Supplier<TrustedKeys> keys, Optional<Restored> restored,
                         java.time.Duration spacing, java.time.Clock clock, MeterRegistry metrics) {
        this.hubId = hubId;
        this.restored = restored;
        this.spacing = spacing;
        this.clock = clock;
        this.nextActMillis = clock.millis() + spacing.toMillis();
        this.store = store;
        this.publisher = publisher;
        this.keys = keys;
        this.bridges = Counter.builder("spejl_hub_bridge_revisions_total")
                .description("bridge revisions published above a manifest a spoke held and this hub did not (after a restore from an older backup)")
                .register(metrics);
        this.forks = Counter.builder("spejl_hub_forked_spokes_total")
                .description("spokes found holding a manifest of this hub under a number the hub now holds with other content")
                .register(metrics);
    }

    /**
     * What the spoke's held manifest says.
     *
     * @param held            the empty message for a spoke that sent none
     * @param claimedRevision the revision the spoke says it holds: a manifest of another number is no evidence
     */
    public Finding consider(SignedManifest held, long claimedRevision, PeerIdentity spoke) {
        if (restored.isEmpty() || held.getManifest().isEmpty() || !restored.get().learning(clock.millis())) {
            return Finding.NONE;
        }
        VerifiedManifest verified;
        try {
            verified = new ManifestVerifier(keys.get()).signed(held, Optional.empty(), DelegationVerifier.ANY_TIME);
        } catch (VerificationException e) {
            // Not ours under the keys in force (another hub's, or a revoked key's): the usual rules apply to the spoke.
            log.debug("spoke {} holds a manifest this hub's keys do not verify: {}", spoke, e.getMessage());
            return Finding.NONE;
        }
        long revision = verified.revision();
        if (!verified.manifest().getHubId().equals(hubId) || revision != claimedRevision) {
            return Finding.NONE;
        }
        Head head = store.head().orElseThrow();
        if (revision > head.revision()) {
            long plausible = restored.get().plausibleUpTo();
            if (revision > plausible) {
                log.warn("spoke {} holds revision {} signed by this hub's key {}, more than a hub could have published between the backup of"
                                + " revision {} and the restore (at most {}): not publishing above it. A forgery made with a leaked key? Rotate the key",
                        spoke, revision, verified.manifest().getKeyId(), restored.get().revision(), plausible);
                return Finding.NONE;
            }
            highest.accumulateAndGet(verified, (a, b) -> a == null || b.revision() > a.revision() ? b : a);
            return Finding.AHEAD;
        }
        if (revision <= restored.get().revision()) {
            return Finding.NONE; // the backup holds this hub's history up to here: another manifest under such a number is no lost one
        }
        try {
            Optional<SignedManifest> ours = store.manifests().get(revision);
            if (ours.isPresent()) {
                return MessageDigest.isEqual(ManifestSigner.digest(ours.get()), verified.digest()) ? Finding.NONE : Finding.FORK;
            }
            Optional<SignedManifest> learned = store.manifests().bridged(revision);
            if (learned.isPresent() && MessageDigest.isEqual(ManifestSigner.digest(learned.get()), verified.digest())) {
                return Finding.NONE; // a bridge continues it
            }
        } catch (IOException e) {
            log.warn("could not read manifest {} to compare with spoke {}'s: {}", revision, spoke, e.toString());
            return Finding.NONE;
        }
        // Not held: collected (the spoke follows the hub and was away), or lost with the old hub (signed before the restore).
        return verified.manifest().getPublishedAtMillis() < restored.get().restoredAtMillis() ? Finding.LOST : Finding.NONE;
    }

    /**
     * Acts on what {@code held} says, on the one thread that does this, so that two spokes never race. It waits first
     * until the hub has gathered held manifests for a while after its start (and since its last act): one bridge above
     * the highest then serves every spoke gathered meanwhile, and a spoke that keeps presenting old manifests cannot
     * make the hub publish more than once a while. Above the head: a bridge above the highest held manifest seen.
     * Under a number the hub now holds with other content: revisions without changes until the head names a snapshot
     * at least two above it (the revision right after the spoke's must chain to what it holds, so a snapshot one above
     * would be refused as a broken chain). Ingest may publish meanwhile, so what the manifest says is asked again after
     * each step.
     *
     * @return {@link Finding#FORK} when the spoke must now be moved to the head's snapshot (for a fork or a lost
     * revision); {@link Finding#NONE} when it can go on by the usual rules
     */
    public CompletableFuture<Finding> settle(SignedManifest held, long claimedRevision, PeerIdentity spoke,
                                             java.util.function.BooleanSupplier gone) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (int step = 0; step < 4; step++) {
                    Finding finding = consider(held, claimedRevision, spoke);
                    if (finding == Finding.NONE || gone.getAsBoolean()) {
                        return Finding.NONE; // nothing to do, or the spoke went away (it asks again when it is back)
                    }
                    if ((finding == Finding.FORK || finding == Finding.LOST) && !needsSnapshotAbove(claimedRevision)) {
                        if (finding == Finding.FORK) {
                            forks.increment();
                        }
                        return Finding.FORK; // the newest snapshot is far enough above it already: nothing to publish, no wait
                    }
                    waitToAct();
                    finding = consider(held, claimedRevision, spoke); // another spoke's act may have gone past it meanwhile
                    if (finding == Finding.NONE || gone.getAsBoolean()) {
                        return Finding.NONE;
                    }
                    if (finding == Finding.FORK || finding == Finding.LOST) {
                        moveAbove(held, spoke, finding);
                        acted();
                        return Finding.FORK;
                    }
                    try {
                        bridge(highestAbove(held), spoke);
                        acted();
                    } catch (IllegalArgumentException | VerificationException headMovedOrKeyRevoked) {
                        // an ingest reached it first, or a rotation revoked the key that signed the highest: ask again
                        highest.compareAndSet(highest.get(), null);
                    }
                }
                throw new IOException("could not publish above spoke " + spoke + "'s revision " + claimedRevision + " in four tries");
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor);
    }

    /** The highest held manifest seen above the head, or {@code held} when none is higher. */
    private SignedManifest highestAbove(SignedManifest held) throws IOException {
        VerifiedManifest top = highest.get();
        long revision = dk.spejl.wire.Manifest.parseFrom(held.getManifest()).getRevision();
        return top != null && top.revision() > revision && top.revision() > store.head().orElseThrow().revision() ? top.signed() : held;
    }

    private void waitToAct() throws InterruptedException {
        for (long wait = nextActMillis - clock.millis(); wait > 0; wait = nextActMillis - clock.millis()) {
            Thread.sleep(Math.min(wait, 1000));
        }
    }

    private void acted() {
        nextActMillis = clock.millis() + spacing.toMillis();
    }

    private void bridge(SignedManifest held, PeerIdentity spoke) throws IOException, VerificationException {
        VerifiedManifest verified = new ManifestVerifier(keys.get()).signed(held, Optional.empty(), DelegationVerifier.ANY_TIME);
        Head head = store.head().orElseThrow();
        log.warn("a spoke holds revision {} (published {}), above this hub's head {}: restored from a backup of revision {}, this hub"
                        + " lost what it published after that. Publishing revision {}, chained to the spoke's, with a snapshot of the"
                        + " catalogue as this hub holds it; every spoke moves to it by that snapshot (asked by spoke {})",
                verified.revision(), java.time.Instant.ofEpochMilli(verified.manifest().getPublishedAtMillis()),
                head.revision(), restored.orElseThrow().revision(), verified.revision() + 1, spoke);
        var published = publisher.bridge(held);
        bridges.increment();
        log.info("bridge revision {} published above revision {} (manifest {})", published.revision(), verified.revision(),
                Sha256.shortHex(verified.digest()));
    }

    /** Whether the head's snapshot is less than two revisions above {@code revision}, so that one must be published. */
    private boolean needsSnapshotAbove(long revision) {
        return store.head().orElseThrow().manifest().getSnapshotRevision() < revision + 2;
    }

    private void moveAbove(SignedManifest held, PeerIdentity spoke, Finding finding) throws IOException {
        long revision = dk.spejl.wire.Manifest.parseFrom(held.getManifest()).getRevision();
        if (finding == Finding.FORK) {
            forks.increment();
        }
        log.warn("spoke {} holds a revision {} of this hub's that this hub no longer holds ({}): moving the spoke to {}", spoke, revision,
                finding == Finding.FORK ? "it published that number again after the restore" : "lost with what it published before it",
                needsSnapshotAbove(revision) ? "a new snapshot above it" : "the newest snapshot");
        while (needsSnapshotAbove(revision)) {
            publisher.resign();
        }
    }

    /** Stops the bridge thread and waits for a bridge being published, so that the catalogue may close after. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("the bridge thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
