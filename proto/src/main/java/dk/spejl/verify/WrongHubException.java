package dk.spejl.verify;

/** The statement is for another hub id (mix-and-match). */
public final class WrongHubException extends VerificationException {
    public WrongHubException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "wrong_hub";
    }
}
