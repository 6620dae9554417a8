package dk.spejl.verify;

/** A heartbeat no newer than one already accepted: a replay, which must not make stale data look fresh. */
public final class ReplayedHeartbeatException extends VerificationException {
    public ReplayedHeartbeatException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "replayed_heartbeat";
    }
}
