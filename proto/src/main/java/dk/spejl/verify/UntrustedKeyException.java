package dk.spejl.verify;

/** None of the keys the hub offered matches the spoke's pinned fingerprint. */
public final class UntrustedKeyException extends VerificationException {
    public UntrustedKeyException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "untrusted_key";
    }
}
