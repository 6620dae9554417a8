package dk.spejl.hub.access.requests;

/**
 * Who acts on a request or a grant: the user and role a spoke asserts for its own user, and the region and spoke
 * the hub takes from that spoke's certificate (docs/design.md, "The access model"). Nothing else a spoke says about
 * itself is believed.
 */
public record Actor(String user, Role role, String region, String spoke) {
    public enum Role {
        /** Asks for working copies, and sees and cancels their own requests. */
        CLINICIAN,
        /** Decides the requests for their region's records, and makes and revokes its grants. */
        STEWARD,
        /** Sees the requests made from their spoke. */
        ADMIN
    }

    public Actor {
        if (user == null || user.isBlank() || role == null || region == null || region.isBlank() || spoke == null || spoke.isBlank()) {
            throw new IllegalArgumentException("an actor needs a user, a role, a region and a spoke");
        }
    }

    /** The same person at the same region (a request's requester, for a cancel or an amendment). */
    boolean same(Actor other) {
        return user.equals(other.user) && region.equals(other.region);
    }
}
