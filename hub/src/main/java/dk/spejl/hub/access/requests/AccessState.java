package dk.spejl.hub.access.requests;

import dk.spejl.hub.access.requests.AccessRequest.State;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The requests and grants the audit log's entries make, in the log's order: {@link AccessBook} applies each entry
 * here once it is durable, and a start replays them all. Nothing else changes it.
 */
final class AccessState {
    final Map<String, AccessRequest> requests = new LinkedHashMap<>();
    final Map<String, Grant> grants = new LinkedHashMap<>();
    /** Request ids by requester region, user and client request id: a retried submit finds its request. */
    final Map<String, String> submitted = new HashMap<>();

    void apply(long index, AuditEntry e) {
        Actor who = e.actor();
        Instant at = Instant.parse(e.at());
        switch (e.action()) {
            case SUBMIT -> {
                String id = requestId(index);
                boolean approved = State.APPROVED.name().equals(e.outcome());
                requests.put(id, new AccessRequest(id, e.record(), e.owner(), e.checksum(), who, e.purpose(), e.episode(), e.justification(),
                        e.clientRequestId(), approved ? State.APPROVED : State.SUBMITTED, Optional.ofNullable(e.grant()),
                        approved ? Optional.of(Instant.parse(e.expires())) : Optional.empty(), List.of(e)));
                submitted.put(key(who, e.clientRequestId()), id);
            }
            case APPROVE -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.APPROVED, Optional.ofNullable(e.grant()),
                    Optional.of(Instant.parse(e.expires())), e));
            case DENY -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.DENIED, r.grant(), r.expires(), e));
            case RETURN -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.RETURNED, r.grant(), r.expires(), e));
            case AMEND -> requests.computeIfPresent(e.request(), (id, r) -> r.amended(e.episode(), e.justification(), e));
            case CANCEL -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.CANCELLED, r.grant(), r.expires(), e));
            case EXPIRE -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.EXPIRED, r.grant(), r.expires(), e));
            case REVOKE -> requests.computeIfPresent(e.request(), (id, r) -> r.with(State.REVOKED, r.grant(), r.expires(), e));
            case GRANT -> {
                AuditEntry.GrantTerms t = e.terms();
                String id = grantId(index);
                grants.put(id, new Grant(id, who.region(), t.granteeRegion(), Optional.ofNullable(t.granteeUser()), scope(t), e.purpose(),
                        Instant.parse(t.validFrom()), Instant.parse(t.validTo()), Duration.ofDays(t.approvalDays()), who, at, e.reason(),
                        Optional.empty()));
            }
            case GRANT_REVOKE -> {
                grants.computeIfPresent(e.grant(), (id, g) -> g.revoke(who, at, e.reason()));
                requests.replaceAll((id, r) -> r.state() == State.APPROVED && r.grant().filter(e.grant()::equals).isPresent()
                        ? r.with(State.REVOKED, r.grant(), r.expires(), e) : r);
            }
            case REFUSE -> {
                // logged, and nothing changes
            }
        }
    }

    static Grant.Scope scope(AuditEntry.GrantTerms t) {
        return new Grant.Scope(orEmpty(t.recordIds()), java.util.Set.copyOf(orEmpty(t.ownerUnits())), java.util.Set.copyOf(orEmpty(t.fileFormats())),
                java.util.Set.copyOf(orEmpty(t.fileRoles())), java.util.Set.copyOf(orEmpty(t.sampleKinds())));
    }

    static List<String> orEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }

    static String key(Actor who, String clientRequestId) {
        return who.region() + '\u0000' + who.user() + '\u0000' + clientRequestId;
    }

    static String requestId(long index) {
        return "req-" + index;
    }

    static String grantId(long index) {
        return "grant-" + index;
    }
}
