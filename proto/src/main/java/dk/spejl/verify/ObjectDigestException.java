package dk.spejl.verify;

/** An object's bytes do not hash to the digest a signed manifest gives for them. */
public final class ObjectDigestException extends VerificationException {
    public ObjectDigestException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "object_digest";
    }
}
