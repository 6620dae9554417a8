package dk.spejl.verify;

/** The manifest's schema version is one this spoke does not understand. */
public final class UnsupportedSchemaException extends VerificationException {
    public UnsupportedSchemaException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "unsupported_schema";
    }
}
