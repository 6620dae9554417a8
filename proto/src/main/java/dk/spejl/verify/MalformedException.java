package dk.spejl.verify;

/** Bytes that passed their digest check still do not form what they claim to be. */
public final class MalformedException extends VerificationException {
    public MalformedException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "malformed";
    }
}
