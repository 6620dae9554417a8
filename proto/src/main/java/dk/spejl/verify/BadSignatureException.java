package dk.spejl.verify;

/** The signature does not verify under the key it names. */
public final class BadSignatureException extends VerificationException {
    public BadSignatureException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "bad_signature";
    }
}
