package dk.spejl.verify;

/** The manifest skips revisions and carries no snapshot to bootstrap from; the spoke resynchronises. */
public final class RevisionGapException extends VerificationException {
    public RevisionGapException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "revision_gap";
    }
}
