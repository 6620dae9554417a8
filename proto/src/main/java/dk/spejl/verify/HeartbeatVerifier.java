package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.Sha256;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a heartbeat may refresh a spoke's freshness (invariant 3), in the manner of
 * TUF's timestamp role: signed by a trusted key, for this hub, not issued in the future, newer
 * than any heartbeat accepted before, not expired, not claiming a head older than what the spoke
 * holds, and, when it names the held revision, naming the same manifest.
 */
public final class HeartbeatVerifier {
    /** How far ahead of the spoke's clock a heartbeat may have been issued, unless configured otherwise. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private final TrustedKeys trust;
    private final long maxSkewMillis;
    private final Map<String, Ed25519.Verifier> verifiers = new HashMap<>();

    public HeartbeatVerifier(TrustedKeys trust) {
        this(trust, DEFAULT_MAX_CLOCK_SKEW);
    }

    public HeartbeatVerifier(TrustedKeys trust, Duration maxClockSkew) {
        this.trust = trust;
        this.maxSkewMillis = maxClockSkew.toMillis();
        trust.keysById().forEach((id, key) -> verifiers.put(id, Ed25519.verifier(key)));
    }

    /**
     * @param newestAccepted the newest heartbeat accepted so far, if any
     * @param heldRevision   the revision the replica holds, or -1
     */
    public Heartbeat verify(SignedHeartbeat signed, Optional<Heartbeat> newestAccepted, long heldRevision, long nowMillis)
            throws VerificationException {
        return verify(signed, newestAccepted, Optional.of(new Position(heldRevision, null)).filter(p -> heldRevision >= 0), nowMillis);
    }

    /**
     * @param newestAccepted the newest heartbeat accepted so far, if any
     * @param held           the signed revision the replica holds, if any; with its manifest digest, a
     *                       heartbeat naming that revision must name that manifest
     */
    public Heartbeat verify(SignedHeartbeat signed, Optional<Heartbeat> newestAccepted, Optional<Position> held, long nowMillis)
            throws VerificationException {
        long heldRevision = held.map(Position::revision).orElse(-1L);
        // 1. The bytes parse as a heartbeat.
        Heartbeat heartbeat;
        try {
            heartbeat = Heartbeat.parseFrom(signed.getHeartbeat());
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedException("heartbeat does not parse");
        }
        // 2. Signed by a trusted key, over exactly these bytes, in the heartbeat context.
        Ed25519.Verifier key = verifiers.get(heartbeat.getKeyId());
        if (key == null) {
            throw trust.untrusted("heartbeat", heartbeat.getKeyId());
        }
        trust.checkNotExpired(nowMillis);
        if (!key.verify(HeartbeatSigner.CONTEXT, signed.getHeartbeat().toByteArray(), signed.getSignature().toByteArray())) {
            throw new BadSignatureException("heartbeat signature does not verify under key " + heartbeat.getKeyId());
        }
        // 3. This hub's.
        if (!trust.hubId().equals(heartbeat.getHubId())) {
            throw new WrongHubException("heartbeat is for hub '" + heartbeat.getHubId() + "', this spoke follows '" + trust.hubId() + "'");
        }
        // 4. Not issued in the future beyond the allowed clock skew: it would outlast the feed and turn real heartbeats into replays.
        if (heartbeat.getIssuedAtMillis() > nowMillis + maxSkewMillis) {
            throw new FutureHeartbeatException("heartbeat issued at " + heartbeat.getIssuedAtMillis() + ", " + (heartbeat.getIssuedAtMillis() - nowMillis)
                    + " ms ahead of this spoke's clock; at most " + maxSkewMillis + " ms is allowed");
        }
        // 5. Newer than anything accepted before: a replay never refreshes.
        if (newestAccepted.isPresent() && heartbeat.getIssuedAtMillis() <= newestAccepted.get().getIssuedAtMillis()) {
            throw new ReplayedHeartbeatException("heartbeat issued at " + heartbeat.getIssuedAtMillis()
                    + " is not newer than the accepted one of " + newestAccepted.get().getIssuedAtMillis());
        }
        // 6. Not expired.
        if (heartbeat.getExpiresAtMillis() <= nowMillis) {
            throw new ExpiredHeartbeatException("heartbeat expired at " + heartbeat.getExpiresAtMillis());
        }
        // 7. Not claiming a head older than what the spoke already holds (forward only).
        if (heartbeat.getHeadRevision() < heldRevision) {
            throw new RollbackException("heartbeat claims head " + heartbeat.getHeadRevision() + ", the spoke holds " + heldRevision);
        }
        // 8. Naming the held revision, it names the held manifest: otherwise hub and spoke hold different revisions under one number.
        byte[] heldDigest = held.map(Position::manifestDigest).orElse(null);
        if (heldDigest != null && heartbeat.getHeadRevision() == heldRevision
                && !MessageDigest.isEqual(heartbeat.getHeadManifestDigest().toByteArray(), heldDigest)) {
            throw new HeadMismatchException("heartbeat names revision " + heldRevision + " with manifest "
                    + Sha256.shortHex(heartbeat.getHeadManifestDigest().toByteArray()) + ", the spoke holds manifest " + Sha256.shortHex(heldDigest));
        }
        return heartbeat;
    }
}
