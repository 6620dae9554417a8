package dk.spejl.hub.access.requests;

/** An action the access book refuses, and why; the book has logged the refusal and changed nothing else. */
public final class AccessException extends Exception {
    public enum Reason {
        /** Malformed input: a missing purpose, a CPR number in the episode reference, an empty scope. */
        INVALID,
        /** No such record, request or grant. */
        NOT_FOUND,
        /** The actor's role or region may not do this. */
        FORBIDDEN,
        /** The request or grant is not in a state that allows it: already decided, withdrawn record, expired grant. */
        CONFLICT
    }

    private final Reason reason;

    public AccessException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
