package dk.spejl.hub.catalogue;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds text that looks like a Danish CPR number (invariant 1): DDMMYY-SSSS, or ten digits
 * whose first six form a valid date. A match must stand alone, not inside a longer run of
 * letters and digits, so hex checksums and pseudonyms with long digit runs do not trip it.
 * The modulus-11 check is deliberately not used: CPR numbers issued since 2007 need not pass it.
 */
public final class CprDetector {
    private static final Pattern CANDIDATE = Pattern.compile("(?<![A-Za-z0-9])(\\d{2})(\\d{2})(\\d{2})-?(\\d{4})(?![A-Za-z0-9])");

    private CprDetector() {
    }

    /** The first CPR-like substring of {@code text}, if any. */
    public static Optional<String> find(String text) {
        Matcher m = CANDIDATE.matcher(text);
        while (m.find()) {
            if (isDate(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)))) {
                return Optional.of(m.group());
            }
        }
        return Optional.empty();
    }

    private static boolean isDate(int day, int month, int twoDigitYear) {
        // Either century will do: 29 February is a date when the two-digit year is a leap year in one of them.
        for (int century : new int[] {1900, 2000}) {
            try {
                LocalDate.of(century + twoDigitYear, month, day);
                return true;
            } catch (DateTimeException e) {
                // try the other century
            }
        }
        return false;
    }
}
