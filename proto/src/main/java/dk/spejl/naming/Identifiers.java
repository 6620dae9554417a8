package dk.spejl.naming;

import java.util.regex.Pattern;

/**
 * The shapes of the names both ends agree on. The hub refuses anything else at the door (ingest,
 * enrolment, revocation); the spoke refuses it in a URL before it looks anything up.
 */
public final class Identifiers {
    /** DRS-style stable record ids: 3-128 of letters, digits and . _ : -, starting with a letter or digit. */
    public static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{2,127}");
    /** A spoke's name, as enrolled and written into its certificate: 2-63 of a-z 0-9 . _ -. */
    public static final Pattern SPOKE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,62}");
    /** A hub's id, carried by every manifest: 2-63 of a-z 0-9 -. */
    public static final Pattern HUB_ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");

    public static final String RECORD_ID_RULE = "3-128 of A-Z a-z 0-9 . _ : -";
    public static final String SPOKE_NAME_RULE = "2-63 of a-z 0-9 . _ -";
    public static final String HUB_ID_RULE = "2-63 of a-z 0-9 -";

    private Identifiers() {
    }

    public static boolean isRecordId(String value) {
        return value != null && RECORD_ID.matcher(value).matches();
    }

    public static boolean isSpokeName(String value) {
        return value != null && SPOKE_NAME.matcher(value).matches();
    }

    public static boolean isHubId(String value) {
        return value != null && HUB_ID.matcher(value).matches();
    }
}
