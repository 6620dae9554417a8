package dk.spejl.verify;

/** The key delegation has expired: no manifest or heartbeat under it is accepted. */
public final class ExpiredDelegationException extends VerificationException {
    public ExpiredDelegationException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "expired_delegation";
    }
}
