package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.wire.Heartbeat;
import dk.spejl.wire.SignedHeartbeat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a heartbeat may refresh a spoke's freshness (invariant 3), in the manner of
 * TUF's timestamp role: signed by a trusted key, for this hub, newer than any heartbeat
 * accepted before, not expired, and not claiming a head older than what the spoke holds.
 */
public final class HeartbeatVerifier {
    private final TrustedKeys trust;
    private final Map<String, Ed25519.Verifier> verifiers = new HashMap<>();

    public HeartbeatVerifier(TrustedKeys trust) {
        this.trust = trust;
        trust.keysById().forEach((id, key) -> verifiers.put(id, Ed25519.verifier(key)));
    }

    /**
     * @param newestAccepted the newest heartbeat accepted so far, if any
     * @param heldRevision   the revision the replica holds, or -1
     */
    public Heartbeat verify(SignedHeartbeat signed, Optional<Heartbeat> newestAccepted, long heldRevision, long nowMillis)
            throws VerificationException {
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
        // 4. Newer than anything accepted before: a replay never refreshes.
        if (newestAccepted.isPresent() && heartbeat.getIssuedAtMillis() <= newestAccepted.get().getIssuedAtMillis()) {
            throw new ReplayedHeartbeatException("heartbeat issued at " + heartbeat.getIssuedAtMillis()
                    + " is not newer than the accepted one of " + newestAccepted.get().getIssuedAtMillis());
        }
        // 5. Not expired.
        if (heartbeat.getExpiresAtMillis() <= nowMillis) {
            throw new ExpiredHeartbeatException("heartbeat expired at " + heartbeat.getExpiresAtMillis());
        }
        // 6. Not claiming a head older than what the spoke already holds (forward only).
        if (heartbeat.getHeadRevision() < heldRevision) {
            throw new RollbackException("heartbeat claims head " + heartbeat.getHeadRevision() + ", the spoke holds " + heldRevision);
        }
        return heartbeat;
    }
}
