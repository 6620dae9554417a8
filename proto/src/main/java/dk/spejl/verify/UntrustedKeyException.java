package dk.spejl.verify;

/** The root key behind the hub's key delegation is not the one whose fingerprint the spoke pinned. */
public final class UntrustedKeyException extends VerificationException {
    public UntrustedKeyException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "untrusted_root";
    }
}
