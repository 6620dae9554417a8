package dk.spejl.verify;

/**
 * Something a spoke was sent did not verify. Each cause has its own subtype so that callers,
 * logs and metrics can tell an attack from an outage; {@link #reason()} names it in metrics.
 */
public abstract class VerificationException extends Exception {
    protected VerificationException(String message) {
        super(message);
    }

    /** A short, stable name for metrics and logs, e.g. "bad_signature". */
    public abstract String reason();
}
