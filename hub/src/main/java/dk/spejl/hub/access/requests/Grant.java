package dk.spejl.hub.access.requests;

import dk.spejl.wire.Record;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Access an owner region gives ahead of the requests (after REMS): to a region, or to one user at a region, for
 * listed records or for those a filter selects, for one purpose, between two instants. A request it covers is
 * approved at once, for {@link #approvalLifetime}.
 */
public record Grant(String id, String ownerRegion, String granteeRegion, Optional<String> granteeUser, Scope scope, String purpose,
                    Instant validFrom, Instant validTo, Duration approvalLifetime, Actor madeBy, Instant madeAt, String reason,
                    Optional<Revoked> revoked) {

    /** Listed record ids, or a filter: each non-empty set must hold the record's value (values as ingest spells them). */
    public record Scope(List<String> recordIds, Set<String> ownerUnits, Set<String> fileFormats, Set<String> fileRoles, Set<String> sampleKinds) {
        public Scope {
            recordIds = List.copyOf(recordIds);
            ownerUnits = Set.copyOf(ownerUnits);
            fileFormats = Set.copyOf(fileFormats);
            fileRoles = Set.copyOf(fileRoles);
            sampleKinds = Set.copyOf(sampleKinds);
        }

        boolean empty() {
            return recordIds.isEmpty() && ownerUnits.isEmpty() && fileFormats.isEmpty() && fileRoles.isEmpty() && sampleKinds.isEmpty();
        }

        boolean covers(Record r) {
            if (!recordIds.isEmpty()) {
                return recordIds.contains(r.getId());
            }
            return (ownerUnits.isEmpty() || ownerUnits.contains(r.getOwnerUnit()))
                    && (fileFormats.isEmpty() || fileFormats.contains(r.getFileFormat().name().toLowerCase(Locale.ROOT)))
                    && (fileRoles.isEmpty() || fileRoles.contains(r.getFileRole()))
                    && (sampleKinds.isEmpty() || sampleKinds.contains(r.getSampleKind().name().toLowerCase(Locale.ROOT)));
        }
    }

    public record Revoked(Actor by, Instant at, String reason) {
    }

    /** Whether this grant approves {@code requester}'s request for {@code record}, for {@code purpose}, at {@code now}. */
    boolean covers(Actor requester, Record record, String purpose, Instant now) {
        return revoked.isEmpty() && !now.isBefore(validFrom) && now.isBefore(validTo) && this.purpose.equals(purpose)
                && ownerRegion.equals(record.getOwnerRegion()) && granteeRegion.equals(requester.region())
                && granteeUser.map(requester.user()::equals).orElse(true) && scope.covers(record);
    }

    Grant revoke(Actor by, Instant at, String why) {
        return new Grant(id, ownerRegion, granteeRegion, granteeUser, scope, purpose, validFrom, validTo, approvalLifetime, madeBy, madeAt,
                reason, Optional.of(new Revoked(by, at, why)));
    }
}
