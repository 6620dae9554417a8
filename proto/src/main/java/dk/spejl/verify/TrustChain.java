package dk.spejl.verify;

import dk.spejl.digest.LtHash;
import dk.spejl.signing.Ed25519;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedDelegation;
import dk.spejl.wire.SignedHeartbeat;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.SnapshotIndex;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Every rule that decides whether what the hub sends may change what a spoke holds or believes, in one place and in
 * order, in the manner of TUF's updater (docs/design.md, "The protocol"). The spoke's follower, {@code spejl-spoke
 * verify} and the tests all run this class; the follower only fetches, stores and logs.
 *
 * <p>Each public method is one step. It reads the clock once, at its start, and every check inside it asks that one
 * "now". Each way a step can fail has its own {@link VerificationException} subtype. The per-object rules (a
 * manifest's signature, a delta's digest, a heartbeat's expiry) are the numbered checks of {@link ManifestVerifier},
 * {@link DeltaVerifier}, {@link SnapshotVerifier} and {@link HeartbeatVerifier}; this class adds the rules that relate
 * one object to what is held: forward only, the distrusted held revision, the rebuild, the route.
 *
 * <p>A chain is immutable and belongs to one key delegation; a rotation on the stream gives a new one
 * ({@link #rotate}). It may be used from several threads.
 */
public final class TrustChain {
    /** A delta larger than this is not fetched when its manifest also carries a snapshot. */
    public static final long PREFER_SNAPSHOT_ABOVE = 64L << 20;

    /** What the rules need to know of the revision a replica holds. */
    public record Held(Position position, String keyId, LtHash lattice, long entryCount) {
        public long revision() {
            return position.revision();
        }
    }

    /** How a verified manifest moves the replica: by applying its delta to the held state, or by a snapshot. */
    public enum Route { DELTA, SNAPSHOT }

    /**
     * A manifest that may move the replica, the live key that signed it, and the route.
     *
     * @param distrusted set when the held revision's key has been revoked and this manifest does not continue its
     *                   chain: the held revision is given up for this one, whatever the two numbers (step 2a)
     */
    public record Next(VerifiedManifest manifest, Ed25519.PublicKey key, Route route, Optional<DistrustedHead> distrusted) {
        public long revision() {
            return manifest.revision();
        }
    }

    /** The held revision given up under step 2a, and the delegation version that revoked its key. */
    public record DistrustedHead(long revision, String keyId, long revokedInVersion) {
    }

    private final String pinnedRoot;
    private final TrustedKeys trust;
    private final Clock clock;
    private final Duration maxClockSkew;
    private final ManifestVerifier manifests;
    private final HeartbeatVerifier heartbeats;

    private TrustChain(String pinnedRoot, TrustedKeys trust, Clock clock, Duration maxClockSkew) {
        this.pinnedRoot = pinnedRoot;
        this.trust = trust;
        this.clock = clock;
        this.maxClockSkew = maxClockSkew;
        this.manifests = new ManifestVerifier(trust, clock);
        this.heartbeats = new HeartbeatVerifier(trust, maxClockSkew);
    }

    /**
     * Step 1: the keys. The delegation the hub offers is signed by the pinned root, is for the hub the replica
     * follows, has not expired, and is not older than the one held (invariant 4; {@link DelegationVerifier}).
     *
     * @param held  the newest delegation accepted before, if any
     * @param hubId the hub the replica follows, if it holds anything
     */
    public static TrustChain open(String pinnedRoot, SignedDelegation offered, Optional<SignedDelegation> held, Optional<String> hubId,
                                  Clock clock, Duration maxClockSkew) throws VerificationException {
        long now = clock.millis();
        return new TrustChain(pinnedRoot, DelegationVerifier.verify(pinnedRoot, offered, held, hubId, now), clock, maxClockSkew);
    }

    /** Step 1 again, for a rotation sent on the stream: the new delegation must follow this one, for the same hub. */
    public TrustChain rotate(SignedDelegation offered) throws VerificationException {
        return open(pinnedRoot, offered, trust.source(), Optional.of(trust.hubId()), clock, maxClockSkew);
    }

    public TrustedKeys trust() {
        return trust;
    }

    /**
     * Step 2: what a pushed manifest does to the held revision.
     *
     * @param reference     a later signed manifest naming this revision's snapshot, if the hub sent one
     * @param held          the revision the replica holds, or empty for an empty replica
     * @param rebuilding    whether the spoke asked for the newest snapshot, to rebuild from, after failing to move
     * @param newestHeartbeat the newest heartbeat the spoke has accepted, if any
     */
    public Next manifest(SignedManifest signed, Optional<SignedManifest> reference, Optional<Held> held, boolean rebuilding,
                         Optional<Heartbeat> newestHeartbeat) throws VerificationException {
        long now = clock.millis();
        if (held.isEmpty()) {
            // 2e. An empty replica starts from a snapshot (ManifestVerifier, 6a).
            return next(manifests.verify(signed, reference, Optional.empty(), now), Route.SNAPSHOT, Optional.empty());
        }
        Held from = held.get();
        if (trust.key(from.keyId()).isEmpty()) {
            // 2a. The held revision was signed by a key this delegation has revoked. If that key leaked, the held revision
            // may be a forgery, numbered as high as the forger liked (2^62, say), and forward only would keep it in force
            // for ever. So it bounds nothing: the hub's chain may continue from it if it chains to it; otherwise the spoke
            // gives it up for a snapshot a live key signed, whatever its number. This is the one exception to forward
            // only (invariant 3), anchored in the newer delegation that revoked the key, verified against the pinned root.
            VerifiedManifest verified = manifests.signed(signed, reference, now);
            if (verified.revision() == from.revision() + 1) {
                try {
                    ManifestVerifier.checkChains(verified, from.position());
                    return next(verified, route(verified), Optional.empty());
                } catch (BrokenChainException e) {
                    // a different revision under the same number: not a continuation, so it must be a snapshot
                }
            }
            if (!verified.isSnapshot()) {
                throw new RevisionGapException("held revision " + from.revision() + " is signed by revoked key " + from.keyId()
                        + "; revision " + verified.revision() + " neither continues it nor carries a snapshot to start over from");
            }
            // 2b. Nor may the replacement be older than a head the hub itself has named, in a heartbeat under a live key.
            checkNotBelowNamedHead(verified, newestHeartbeat);
            return next(verified, Route.SNAPSHOT, Optional.of(new DistrustedHead(from.revision(), from.keyId(), trust.version())));
        }
        if (rebuilding) {
            // 2c. Asked for the newest snapshot after failing to move: any snapshot a live key signed will do, as long as
            // it moves the replica forward (invariant 3).
            VerifiedManifest verified = manifests.signed(signed, reference, now);
            if (verified.revision() <= from.revision()) {
                throw new NothingNewerException("the hub's newest snapshot, revision " + verified.revision()
                        + ", is not newer than the held revision " + from.revision() + ": nothing to rebuild from yet");
            }
            if (!verified.isSnapshot()) {
                throw new RevisionGapException("asked for a snapshot to rebuild from, the hub sent revision " + verified.revision()
                        + " without one");
            }
            return next(verified, Route.SNAPSHOT, Optional.empty());
        }
        // 2d. Forward only; the next revision chains to the held one, a later one comes with its snapshot.
        VerifiedManifest verified = manifests.verify(signed, reference, Optional.of(from.position()), now);
        return next(verified, verified.revision() == from.revision() + 1 ? route(verified) : Route.SNAPSHOT, Optional.empty());
    }

    /**
     * Step 3: a delta. It is the object the manifest names, for this revision of this hub, and applied to the held
     * state it reproduces the signed state digest and entry count (invariants 2 and 4).
     */
    public StateTransition.Result delta(Next next, byte[] delta, Held held, StateTransition.CurrentRecords current)
            throws VerificationException {
        if (next.route() != Route.DELTA || next.revision() != held.revision() + 1) {
            throw new IllegalArgumentException("revision " + next.revision() + " is not applied as a delta to revision " + held.revision());
        }
        return DeltaVerifier.verify(next.manifest(), delta, held.lattice(), held.entryCount(), current);
    }

    /**
     * Step 4: a snapshot's index. Its schema is one a spoke can start from, it is the object a signed manifest names,
     * and its lattice and chunks add up to the signed state (each chunk is then an object the index names by digest).
     */
    public SnapshotIndex snapshotIndex(Next next, byte[] index) throws VerificationException {
        if (next.manifest().manifest().getSchemaVersion() < ManifestVerifier.SST_CHUNKS_SINCE) {
            throw new UnsupportedSchemaException("the snapshot of revision " + next.revision() + " is in the chunk format of schema "
                    + next.manifest().manifest().getSchemaVersion() + "; this spoke bootstraps from schema " + ManifestVerifier.SST_CHUNKS_SINCE
                    + " snapshots on, which the hub writes when it starts after an upgrade");
        }
        return SnapshotVerifier.verifyIndex(next.manifest(), index);
    }

    /**
     * Step 5: a heartbeat, which refreshes freshness only (invariant 3; {@link HeartbeatVerifier}).
     *
     * @param held the signed revision the replica holds, if any
     */
    public Heartbeat heartbeat(SignedHeartbeat signed, Optional<Heartbeat> newestAccepted, Optional<Position> held)
            throws VerificationException {
        long now = clock.millis();
        return heartbeats.verify(signed, newestAccepted, held, now);
    }

    /**
     * Step 6, for {@code spejl-spoke verify}: the revision stored in a replica is signed, over exactly its bytes, by a
     * key that the held delegation names, and that delegation by the pinned root. Whether anything has expired since is
     * a matter of freshness, not of integrity, so no time is asked. The state digest is the caller's to recompute.
     *
     * @return the delegation the stored revision verified under
     */
    public static TrustedKeys stored(String pinnedRoot, SignedDelegation heldDelegation, SignedManifest stored, String hubId)
            throws VerificationException {
        TrustedKeys trust = DelegationVerifier.verify(pinnedRoot, heldDelegation, Optional.empty(), Optional.of(hubId),
                DelegationVerifier.ANY_TIME);
        new ManifestVerifier(trust).signed(stored, Optional.empty(), DelegationVerifier.ANY_TIME);
        return trust;
    }

    private Next next(VerifiedManifest manifest, Route route, Optional<DistrustedHead> distrusted) {
        Ed25519.PublicKey key = trust.key(manifest.manifest().getKeyId()).orElseThrow();
        return new Next(manifest, key, route, distrusted);
    }

    /**
     * The next revision is taken as a delta, unless its delta is huge and its manifest also carries a snapshot, or it
     * has none: a restored hub's bridge revision, which chains to the held one but is reached by its snapshot.
     */
    private static Route route(VerifiedManifest next) {
        if (!next.manifest().hasDelta()) {
            return Route.SNAPSHOT;
        }
        return next.manifest().getDelta().getSize() > PREFER_SNAPSHOT_ABOVE && next.isSnapshot() ? Route.SNAPSHOT : Route.DELTA;
    }

    private void checkNotBelowNamedHead(VerifiedManifest replacement, Optional<Heartbeat> newest) throws RollbackException {
        if (newest.isPresent() && trust.key(newest.get().getKeyId()).isPresent()
                && replacement.revision() < newest.get().getHeadRevision()) {
            throw new RollbackException("revision " + replacement.revision() + " would replace a distrusted head, but a heartbeat under live key "
                    + newest.get().getKeyId() + " named head " + newest.get().getHeadRevision());
        }
    }
}
