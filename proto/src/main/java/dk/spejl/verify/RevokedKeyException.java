package dk.spejl.verify;

/** Signed by a key that a newer key delegation has revoked. */
public final class RevokedKeyException extends VerificationException {
    public RevokedKeyException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "revoked_key";
    }
}
