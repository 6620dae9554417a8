package dk.spejl.verify;

/** The revision is not newer than one the spoke already accepted (invariant 3). */
public final class RollbackException extends VerificationException {
    public RollbackException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "rollback";
    }
}
