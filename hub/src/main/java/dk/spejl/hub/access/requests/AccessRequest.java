package dk.spejl.hub.access.requests;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A request for a working copy as its events have made it; {@link #history} is those events, oldest first. */
public record AccessRequest(String id, String recordId, String ownerRegion, String checksum, Actor requester, String purpose,
                            String episode, String justification, String clientRequestId, State state, Optional<String> grant,
                            Optional<Instant> expires, List<AuditEntry> history) {
    public enum State {
        SUBMITTED, APPROVED, DENIED, RETURNED, CANCELLED, DELIVERED, EXPIRED, REVOKED;

        /** Whether the owner may still decide (approve, deny or return). */
        boolean undecided() {
            return this == SUBMITTED;
        }
    }

    AccessRequest with(State next, Optional<String> grant, Optional<Instant> expires, AuditEntry event) {
        List<AuditEntry> events = new java.util.ArrayList<>(history);
        events.add(event);
        return new AccessRequest(id, recordId, ownerRegion, checksum, requester, purpose, episode, justification, clientRequestId, next,
                grant, expires, List.copyOf(events));
    }

    AccessRequest amended(String episode, String justification, AuditEntry event) {
        List<AuditEntry> events = new java.util.ArrayList<>(history);
        events.add(event);
        return new AccessRequest(id, recordId, ownerRegion, checksum, requester, purpose, episode, justification, clientRequestId,
                State.SUBMITTED, grant, expires, List.copyOf(events));
    }
}
