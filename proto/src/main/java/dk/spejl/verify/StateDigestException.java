package dk.spejl.verify;

/** Applying the delta would not reproduce the signed state digest. */
public final class StateDigestException extends VerificationException {
    public StateDigestException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "state_digest";
    }
}
