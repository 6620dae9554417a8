package dk.spejl.verify;

/** The manifest does not chain to the manifest the spoke holds. */
public final class BrokenChainException extends VerificationException {
    public BrokenChainException(String message) {
        super(message);
    }

    @Override
    public String reason() {
        return "broken_chain";
    }
}
