package dk.spejl.hub.catalogue;

import java.util.List;
import java.util.stream.Collectors;

/** An ingest file was refused as a whole; nothing was published. */
public final class IngestRejectedException extends Exception {
    private final List<IngestError> errors;

    public IngestRejectedException(List<IngestError> errors) {
        super(errors.size() + " error(s): " + errors.stream().limit(5).map(IngestError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<IngestError> errors() {
        return errors;
    }
}
