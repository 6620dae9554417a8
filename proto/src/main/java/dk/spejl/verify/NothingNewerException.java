package dk.spejl.verify;

/**
 * A spoke that asked for the hub's newest snapshot, to rebuild from, was offered one that is not newer than what
 * it holds: there is nothing to rebuild from yet.
 */
public final class NothingNewerException extends VerificationException {
    public NothingNewerException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "nothing_newer";
    }
}
