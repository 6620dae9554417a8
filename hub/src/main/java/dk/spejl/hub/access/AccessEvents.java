package dk.spejl.hub.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dk.spejl.log.MerkleLog;
import dk.spejl.wire.AccessLogEntry;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The access log's entries, streamed to each region's spokes: those that concern the region as the record's owner,
 * the actor's region or a grant's grantee. Each stream is a cursor, "the next index to look at", drained while the
 * stream is ready and again after every write to the log: a spoke that was away resumes from the index it lacks, and
 * a slow one costs the hub no buffer.
 */
public final class AccessEvents {
    private static final Logger log = LoggerFactory.getLogger(AccessEvents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MerkleLog audit;
    /** A thread of its own: a spoke catching up on a long log never holds back the manifests' feed. */
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hub-access-events");
        t.setDaemon(true);
        return t;
    });
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();

    public AccessEvents(MerkleLog audit) {
        this.audit = audit;
        audit.listen((size, note) -> streams.forEach(s -> executor.execute(s::drain)));
    }

    /** Streams the entries of {@code region} from {@code from} on, to {@code spoke}, until it goes away. */
    void subscribe(String region, String spoke, long from, ServerCallStreamObserver<AccessLogEntry> out) {
        Stream stream = new Stream(region, spoke, from, out);
        out.setOnCancelHandler(() -> {
            streams.remove(stream);
            log.info("spoke {} of {} stopped following access events at index {}", spoke, region, stream.next);
        });
        out.setOnReadyHandler(() -> executor.execute(stream::drain));
        streams.add(stream);
        log.info("spoke {} of {} follows access events from index {} (the log holds {})", spoke, region, from, audit.size());
        executor.execute(stream::drain);
    }

    /**
     * Whether the entry concerns {@code region}: its record's owner, the region of whoever acted, a request's
     * requester, or a grant's grantee.
     */
    static boolean concerns(JsonNode e, String region) {
        return region.equals(e.path("owner").asText(null)) || region.equals(e.path("region").asText(null))
                || region.equals(e.path("requesterRegion").asText(null)) || region.equals(e.path("granteeRegion").asText(null))
                || region.equals(e.path("terms").path("granteeRegion").asText(null));
    }

    /** Ends every stream and the thread, as the hub stops. */
    public void close() {
        for (Stream s : streams) {
            s.close(Status.UNAVAILABLE.withDescription("hub shutting down"));
        }
        streams.clear();
        executor.shutdownNow();
    }

    private final class Stream {
        private final String region;
        private final String spoke;
        private final ServerCallStreamObserver<AccessLogEntry> out;
        private volatile long next;
        private boolean closed;

        Stream(String region, String spoke, long next, ServerCallStreamObserver<AccessLogEntry> out) {
            this.region = region;
            this.spoke = spoke;
            this.next = next;
            this.out = out;
        }

        synchronized void drain() {
            try {
                while (!closed && !out.isCancelled() && out.isReady() && next < audit.size()) {
                    byte[] entry = audit.entry(next).orElseThrow(() -> new IOException("the access log has no entry " + next));
                    JsonNode parsed;
                    try {
                        parsed = JSON.readTree(entry);
                    } catch (IOException unreadable) {
                        // Not the hub's own writing: whose it is cannot be told, so it goes to no one ('audit verify' finds it).
                        log.error("access log entry {} is not JSON; passed over in the access events", next);
                        next++;
                        continue;
                    }
                    if (concerns(parsed, region)) {
                        out.onNext(AccessLogEntry.newBuilder().setIndex(next).setEntry(ByteString.copyFrom(entry)).build());
                    }
                    next++;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("access events to spoke {} failed at index {}: {}", spoke, next, e.toString());
                close(Status.INTERNAL.withDescription("the hub could not read access log entry " + next));
            }
        }

        synchronized void close(Status status) {
            if (!closed) {
                closed = true;
                streams.remove(this);
                try {
                    out.onError(status.asRuntimeException());
                } catch (IllegalStateException alreadyClosed) {
                    // the spoke went away first
                }
            }
        }
    }
}
