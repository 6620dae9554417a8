package dk.spejl.spoke.browse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dk.spejl.digest.Sha256;
import dk.spejl.naming.Identifiers;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.wire.Record;

import java.time.Instant;
import java.util.Optional;

/** The browse API over the replica: the spoke's status, one record by id, liveness and readiness. */
public final class BrowseApi {
    private static final JsonFormat.Printer RECORD_JSON = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    private final Replica replica;
    private final Staleness staleness;

    /** Whether the spoke's data is stale; the replication side knows (invariant 3, docs/design.md). */
    public interface Staleness {
        Optional<Instant> staleSince();
    }

    public BrowseApi(Replica replica, Staleness staleness) {
        this.replica = replica;
        this.staleness = staleness;
    }

    /** Adds this API's routes. */
    public Routes register(Routes routes) {
        return routes.get("/api/v1/status", "status", this::status)
                .get("/api/v1/records/{id}", "record", this::record)
                .get("/healthz", "healthz", request -> HttpResponse.json(200, HttpResponse.object().put("status", "alive")))
                .get("/readyz", "readyz", this::ready);
    }

    HttpResponse status(HttpRequest request) {
        ObjectNode body = HttpResponse.object();
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
        staleSince.ifPresent(since -> body.put("staleSince", since.toString()));
        return HttpResponse.json(200, body);
    }

    HttpResponse record(HttpRequest request) {
        String id = request.pathParameter("id");
        if (!Identifiers.isRecordId(id)) {
            return HttpResponse.error(400, "not a record id (" + Identifiers.RECORD_ID_RULE + ")");
        }
        byte[] canonical = replica.get(id);
        if (canonical == null) {
            return HttpResponse.error(404, "no record " + id + " at revision " + replica.state().map(ReplicaState::revision).orElse(-1L));
        }
        try {
            return HttpResponse.json(200, RECORD_JSON.print(Record.parseFrom(canonical)));
        } catch (InvalidProtocolBufferException e) {
            return HttpResponse.error(500, "stored record does not parse");
        }
    }

    HttpResponse ready(HttpRequest request) {
        return replica.state().isPresent()
                ? HttpResponse.json(200, HttpResponse.object().put("status", "ready"))
                : HttpResponse.json(503, HttpResponse.object().put("status", "no verified revision yet"));
    }
}
