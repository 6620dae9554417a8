package dk.spejl.spoke.auth;

import java.util.Locale;

/** What a user of the spoke may do (docs/design.md, "Users"). */
public enum Role {
    /** Searches, views records and subjects, requests working copies. */
    CLINICIAN,
    /** Decides on requests for the owning region's records. */
    STEWARD,
    /** Runs the spoke: sees its requests and its browse log. */
    ADMIN;

    public String spelling() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role spelt {@code s} (clinician, steward, admin). */
    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.spelling().equals(s)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no role '" + s + "': clinician, steward or admin");
    }
}
