package dk.spejl.verify;

/**
 * A heartbeat issued further ahead of the spoke's clock than the allowed skew. Accepted, it would
 * keep the spoke "fresh" long after the feed stopped, and make every real heartbeat after it look
 * like a replay.
 */
public final class FutureHeartbeatException extends VerificationException {
    public FutureHeartbeatException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "heartbeat_from_future";
    }
}
