package dk.spejl.hub.publish;

import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.catalogue.IngestError;
import dk.spejl.hub.catalogue.IngestParser;
import dk.spejl.hub.catalogue.IngestRejectedException;
import dk.spejl.wire.IngestResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/** One ingest file, validated as a whole and published as one revision; a refused file publishes nothing. */
public final class Ingest {
    private static final Logger log = LoggerFactory.getLogger(Ingest.class);

    private final Publisher publisher;

    private final io.micrometer.core.instrument.Counter accepted;
    private final io.micrometer.core.instrument.Counter refused;

    public Ingest(Publisher publisher, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.publisher = publisher;
        this.accepted = io.micrometer.core.instrument.Counter.builder("spejl_hub_ingest_lines_total")
                .description("ingest lines taken (published) or refused (their file refused whole)").tag("outcome", "accepted").register(metrics);
        this.refused = io.micrometer.core.instrument.Counter.builder("spejl_hub_ingest_lines_total")
                .description("ingest lines taken (published) or refused (their file refused whole)").tag("outcome", "refused").register(metrics);
    }

    /**
     * @return the revision published, or every error that refused the file, by line
     * @throws IOException when the hub could not publish a valid file
     */
    public IngestResult apply(List<String> lines) throws IOException {
        try {
            ChangeSet changes = IngestParser.parse(lines, publisher::holds);
            Published published = publisher.publish(changes);
            accepted.increment(lines.size());
            return IngestResult.newBuilder().setPublished(true).setRevision(published.revision())
                    .setPuts(changes.puts().size()).setDeletes(changes.deletes().size()).build();
        } catch (IngestRejectedException e) {
            refused.increment(lines.size());
            log.info("ingest of {} lines refused: {}", lines.size(), e.getMessage());
            IngestResult.Builder refused = IngestResult.newBuilder().setPublished(false);
            for (IngestError error : e.errors()) {
                refused.addErrors(dk.spejl.wire.IngestError.newBuilder().setLine(error.line()).setMessage(error.message()));
            }
            refused.putAllUnlistedErrors(e.unlisted());
            return refused.build();
        }
    }
}
