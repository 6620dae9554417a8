package dk.spejl.spoke.browse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dk.spejl.digest.Sha256;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.wire.Record;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** Answers the spoke's HTTP routes from the replica: status, records, metrics, health. */
public final class BrowseHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{2,127}");
    private static final JsonFormat.Printer RECORD_JSON = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    private final Replica replica;
    private final Staleness staleness;
    private final Supplier<String> metrics;

    public record Response(int status, String contentType, String body, String route) {
        static Response json(int status, Object body, String route) {
            try {
                return new Response(status, "application/json", body instanceof String s ? s : JSON.writeValueAsString(body), route);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Response error(int status, String message) {
            ObjectNode body = JSON.createObjectNode().put("error", message);
            return json(status, body, "error");
        }
    }

    /** Whether the spoke's data is stale; the replication side knows. */
    public interface Staleness {
        Optional<Instant> staleSince();
    }

    public BrowseHandler(Replica replica, Staleness staleness, Supplier<String> metrics) {
        this.replica = replica;
        this.staleness = staleness;
        this.metrics = metrics;
    }

    public Response handle(String path) {
        if (path.equals("/api/v1/status")) {
            return status();
        }
        if (path.startsWith("/api/v1/records/")) {
            return record(path.substring("/api/v1/records/".length()));
        }
        return switch (path) {
            case "/metrics" -> new Response(200, "text/plain; version=0.0.4; charset=utf-8", metrics.get(), "metrics");
            case "/healthz" -> Response.json(200, JSON.createObjectNode().put("status", "alive"), "healthz");
            case "/readyz" -> replica.state().isPresent()
                    ? Response.json(200, JSON.createObjectNode().put("status", "ready"), "readyz")
                    : Response.json(503, JSON.createObjectNode().put("status", "no verified revision yet"), "readyz");
            default -> Response.error(404, "no such route: " + path);
        };
    }

    private Response status() {
        ObjectNode body = JSON.createObjectNode();
        Optional<ReplicaState> state = replica.state();
        Optional<Instant> staleSince = staleness.staleSince();
        if (state.isPresent()) {
            ReplicaState s = state.get();
            body.put("hubId", s.hubId()).put("revision", s.revision()).put("manifestDigest", Sha256.hex(s.manifestDigest()))
                    .put("stateDigest", Sha256.hex(s.manifest().getStateDigest().toByteArray()))
                    .put("entryCount", s.entryCount()).put("publishedAt", Instant.ofEpochMilli(s.manifest().getPublishedAtMillis()).toString())
                    .put("verifiedAt", s.verifiedAt().toString());
        } else {
            body.putNull("hubId").putNull("revision").putNull("manifestDigest").put("entryCount", 0).putNull("verifiedAt");
        }
        body.put("stale", staleSince.isPresent());
        if (staleSince.isPresent()) {
            body.put("staleSince", staleSince.get().toString());
        }
        return Response.json(200, body, "status");
    }

    private Response record(String id) {
        if (!ID.matcher(id).matches()) {
            return Response.error(400, "not a record id");
        }
        byte[] canonical = replica.get(id);
        if (canonical == null) {
            return Response.error(404, "no record " + id + " at revision " + replica.state().map(ReplicaState::revision).orElse(-1L));
        }
        try {
            return Response.json(200, RECORD_JSON.print(Record.parseFrom(canonical)), "record");
        } catch (InvalidProtocolBufferException e) {
            return Response.error(500, "stored record does not parse");
        }
    }
}
