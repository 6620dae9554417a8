package dk.spejl.hub.catalogue;

/** One reason an ingest file was refused, and the line it is about (1-based; 0 for the file). */
public record IngestError(int line, String message) {
    @Override
    public String toString() {
        return line > 0 ? "line " + line + ": " + message : message;
    }
}
