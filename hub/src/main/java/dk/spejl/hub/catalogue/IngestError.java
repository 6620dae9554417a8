package dk.spejl.hub.catalogue;

/** One reason an ingest file was refused, and the line it is about (1-based; 0 for the file). */
public record IngestError(int line, String message) {
    /** What kind of error this is, for counting the ones a refusal does not list. */
    public String kind() {
        if (message.contains("looks like a CPR number")) {
            return "CPR-like value";
        }
        if (message.startsWith("not valid JSON") || message.startsWith("expected a JSON object")) {
            return "malformed JSON";
        }
        if (message.contains("missing required field")) {
            return "missing field";
        }
        if (message.endsWith("unknown field")) {
            return "unknown field";
        }
        if (message.contains("one change per record per file")) {
            return "record repeated";
        }
        if (message.endsWith("no such record")) {
            return "delete of an unknown record";
        }
        return "invalid value";
    }

    @Override
    public String toString() {
        return line > 0 ? "line " + line + ": " + message : message;
    }
}
