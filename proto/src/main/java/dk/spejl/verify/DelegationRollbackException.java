package dk.spejl.verify;

/** A key delegation older than, or conflicting with, one the spoke has accepted. */
public final class DelegationRollbackException extends VerificationException {
    public DelegationRollbackException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "delegation_rollback";
    }
}
