package dk.spejl.verify;

/**
 * A heartbeat names the revision the spoke holds, under another manifest digest: the hub and the
 * spoke disagree about what that revision is (a fork, or a forgery one of them holds).
 */
public final class HeadMismatchException extends VerificationException {
    public HeadMismatchException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "head_mismatch";
    }
}
