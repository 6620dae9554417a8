package dk.spejl.verify;

/** A heartbeat whose expiry has already passed: it proves nothing about the feed now. */
public final class ExpiredHeartbeatException extends VerificationException {
    public ExpiredHeartbeatException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "expired_heartbeat";
    }
}
