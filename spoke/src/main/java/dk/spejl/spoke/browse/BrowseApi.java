package dk.spejl.spoke.browse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.digest.Sha256;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaState;
import dk.spejl.spoke.sync.Freshness;

import java.time.Instant;
import java.util.Optional;

/** The spoke's status, liveness and readiness. Records are served by the search API. */
public final class BrowseApi {
    private final Replica replica;
    private final Staleness staleness;

    /** Whether the spoke's data is stale, and how far behind the head it is; the replication side knows (invariant 3, docs/design.md). */
    public interface Staleness {
        Optional<Instant> staleSince();

        default Optional<Freshness.Behind> behind() {
            return Optional.empty();
        }

        /** More for /status, such as where the search index stands. */
        default void describe(ObjectNode status) {
        }
    }

    public BrowseApi(Replica replica, Staleness staleness) {
        this.replica = replica;
        this.staleness = staleness;
    }

    /** Adds this API's routes. */
    public Routes register(Routes routes) {
        return routes.openGet("/api/v1/status", "status", this::status)
                .openGet("/healthz", "healthz", request -> HttpResponse.json(200, HttpResponse.object().put("status", "alive")))
                .openGet("/readyz", "readyz", this::ready);
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
        staleness.describe(body);
        return HttpResponse.json(200, body);
    }

    /** Every data response carries the revision it was read at and whether that is stale (invariant 3). */
    public static final String REVISION_HEADER = "Spejl-Revision";
    public static final String STALE_HEADER = "Spejl-Stale";
    public static final String STALE_SINCE_HEADER = "Spejl-Stale-Since";

    HttpResponse ready(HttpRequest request) {
        return replica.state().isPresent()
                ? HttpResponse.json(200, HttpResponse.object().put("status", "ready"))
                : HttpResponse.json(503, HttpResponse.object().put("status", "no verified revision yet"));
    }
}
