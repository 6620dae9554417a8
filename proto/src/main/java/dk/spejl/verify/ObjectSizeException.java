package dk.spejl.verify;

/** An object is longer or shorter than the size a signed manifest gives for it. */
public final class ObjectSizeException extends VerificationException {
    public ObjectSizeException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "object_size";
    }
}
