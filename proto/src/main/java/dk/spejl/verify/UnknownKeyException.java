package dk.spejl.verify;

/** The manifest names a signing key the spoke does not trust. */
public final class UnknownKeyException extends VerificationException {
    public UnknownKeyException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "unknown_key";
    }
}
