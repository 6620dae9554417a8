package dk.spejl.hub.access.requests;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One entry of the hub's access audit log, as JSON: who (user, role, spoke, region), what (the action, the record
 * and its checksum), when, why (purpose, grant, reason) and the outcome. The entries are also the requests' and the
 * grants' history: replayed in order, they give back the access book's state. A refusal is logged and changes nothing.
 * {@code requesterRegion} (on a request's actions) and {@code granteeRegion} (on a grant's revocation) name the other
 * region the entry concerns, so that the hub streams it to that region's spokes too.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(String at, Action action, String user, Actor.Role role, String region, String spoke,
                         String request, String record, String owner, String checksum, String purpose, String episode,
                         String justification, String clientRequestId, String grant, String reason, String expires,
                         GrantTerms terms, String outcome, String requesterRegion, String granteeRegion) {

    public enum Action {
        SUBMIT, APPROVE, DENY, RETURN, AMEND, CANCEL, EXPIRE, REVOKE, GRANT, GRANT_REVOKE, REFUSE
    }

    /** What a GRANT entry grants. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GrantTerms(String granteeRegion, String granteeUser, List<String> recordIds, List<String> ownerUnits,
                             List<String> fileFormats, List<String> fileRoles, List<String> sampleKinds, String validFrom,
                             String validTo, long approvalDays) {
    }

    static Builder by(Actor who, Action action, java.time.Instant at) {
        return new Builder(who, action, at);
    }

    Actor actor() {
        return new Actor(user, role, region, spoke);
    }

    /** The entry's optional parts, named where they are set. */
    static final class Builder {
        private final Actor who;
        private final Action action;
        private final String at;
        String request, record, owner, checksum, purpose, episode, justification, clientRequestId, grant, reason, expires, outcome;
        String requesterRegion, granteeRegion;
        GrantTerms terms;

        private Builder(Actor who, Action action, java.time.Instant at) {
            this.who = who;
            this.action = action;
            this.at = at.toString();
        }

        Builder request(String id) { request = id; return this; }
        Builder record(String id, String ownerRegion, String sha256) { record = id; owner = ownerRegion; checksum = sha256; return this; }
        Builder why(String purpose, String episode, String justification) { this.purpose = purpose; this.episode = episode; this.justification = justification; return this; }
        Builder clientRequestId(String id) { clientRequestId = id; return this; }
        Builder grant(String id) { grant = id; return this; }
        Builder reason(String why) { reason = why; return this; }
        Builder expires(java.time.Instant when) { expires = when.toString(); return this; }
        Builder terms(GrantTerms t) { terms = t; return this; }
        Builder outcome(String o) { outcome = o; return this; }
        Builder requesterRegion(String region) { requesterRegion = region; return this; }
        Builder granteeRegion(String region) { granteeRegion = region; return this; }

        AuditEntry build() {
            return new AuditEntry(at, action, who.user(), who.role(), who.region(), who.spoke(), request, record, owner, checksum, purpose,
                    episode, justification, clientRequestId, grant, reason, expires, terms, outcome, requesterRegion, granteeRegion);
        }
    }
}
