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
import dk.spejl.spoke.sync.Freshness;
import dk.spejl.wire.Record;

import java.time.Instant;
import java.util.Optional;

/** The browse API over the replica: the spoke's status, one record by id, liveness and readiness. */
public final class BrowseApi {
    private static final JsonFormat.Printer RECORD_JSON = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    private final Replica replica;
    private final Staleness staleness;

    /** Whether the spoke's data is stale, and how far behind the head it is; the replication side knows (invariant 3, docs/design.md). */
    public interface Staleness {
        Optional<Instant> staleSince();

        default Optional<Freshness.Behind> behind() {
            return Optional.empty();
        }
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
        Optional<Freshness.Behind> behind = staleness.behind();
        body.put("behindBy", behind.map(Freshness.Behind::revisions).orElse(0L));
        behind.ifPresent(b -> body.put("headRevision", b.head()).put("behindSince", b.since().toString()));
        return HttpResponse.json(200, body);
    }

    HttpResponse record(HttpRequest request) {
        String id = request.pathParameter("id");
        if (!Identifiers.isRecordId(id)) {
            return HttpResponse.error(400, "not a record id (" + Identifiers.RECORD_ID_RULE + ")");
        }
        byte[] canonical = replica.get(id);
        if (canonical == null) {
            return stamped(HttpResponse.error(404, "no record " + id + " at revision " + replica.state().map(ReplicaState::revision).orElse(-1L)));
        }
        try {
            return stamped(HttpResponse.json(200, RECORD_JSON.print(Record.parseFrom(canonical))));
        } catch (InvalidProtocolBufferException e) {
            return HttpResponse.error(500, "stored record does not parse");
        }
    }

    /**
     * A data response carries the revision it was read at and whether that is stale, so a client
     * never has to ask /status separately to know how much to trust it (invariant 3).
     */
    HttpResponse stamped(HttpResponse response) {
        Optional<Instant> staleSince = staleness.staleSince();
        HttpResponse out = response.withHeader(REVISION_HEADER, replica.state().map(s -> Long.toString(s.revision())).orElse("none"))
                .withHeader(STALE_HEADER, Boolean.toString(staleSince.isPresent()));
        return staleSince.map(since -> out.withHeader(STALE_SINCE_HEADER, since.toString())).orElse(out);
    }

    public static final String REVISION_HEADER = "Spejl-Revision";
    public static final String STALE_HEADER = "Spejl-Stale";
    public static final String STALE_SINCE_HEADER = "Spejl-Stale-Since";

    HttpResponse ready(HttpRequest request) {
        return replica.state().isPresent()
                ? HttpResponse.json(200, HttpResponse.object().put("status", "ready"))
                : HttpResponse.json(503, HttpResponse.object().put("status", "no verified revision yet"));
    }
}
