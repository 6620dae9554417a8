package dk.spejl.hub.catalogue;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** An ingest file was refused as a whole; nothing was published. */
public final class IngestRejectedException extends Exception {
    private final List<IngestError> errors;
    private final SortedMap<String, Long> unlisted;

    public IngestRejectedException(List<IngestError> errors) {
        this(errors, Map.of());
    }

    /**
     * @param errors   the errors listed, in line order
     * @param unlisted errors beyond those, counted by {@link IngestError#kind()}
     */
    public IngestRejectedException(List<IngestError> errors, Map<String, Long> unlisted) {
        super(summary(errors, unlisted));
        this.errors = List.copyOf(errors);
        this.unlisted = new TreeMap<>(unlisted);
    }

    public List<IngestError> errors() {
        return errors;
    }

    /** Errors not listed in {@link #errors()}, by kind. */
    public SortedMap<String, Long> unlisted() {
        return unlisted;
    }

    private static String summary(List<IngestError> errors, Map<String, Long> unlisted) {
        long more = unlisted.values().stream().mapToLong(Long::longValue).sum();
        return (errors.size() + more) + " error(s): " + errors.stream().limit(5).map(IngestError::toString).collect(Collectors.joining("; "));
    }
}
