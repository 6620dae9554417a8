package dk.spejl.hub.catalogue;

import java.text.Normalizer;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds text that looks like a Danish CPR number (invariant 1, docs/design.md), however it is
 * written. The text is normalised first:
 * <ol>
 *   <li>Unicode NFKC, so fullwidth, circled, superscript and mathematical digits become ASCII;</li>
 *   <li>format and zero-width characters are dropped (a zero-width space inside a number hides nothing);</li>
 *   <li>every other Unicode decimal digit (Arabic-Indic, Devanagari, Bengali, ...) becomes its ASCII digit.</li>
 * </ol>
 * A candidate is then six digits forming a valid DDMMYY, with no separator or one (a space of any
 * kind, a hyphen or any dash, a slash, a dot or an underscore), and four more digits; no digit
 * may touch it on either side, letters may (a {@code pt} or pseudonym prefix hides nothing). The
 * day may also be 61-91: substitute numbers add 60 to it. The modulus-11 check is deliberately not
 * used: CPR numbers issued since 2007 need not pass it.
 */
public final class CprDetector {
    private static final Pattern CANDIDATE = Pattern.compile(
            "(?<![0-9])([0-9]{2})([0-9]{2})([0-9]{2})[\\p{Z}\\s\\p{Pd}\u2212/._]?([0-9]{4})(?![0-9])");
    /** Substitute numbers (erstatningspersonnumre) carry the day plus 60. */
    private static final int SUBSTITUTE_DAY_OFFSET = 60;

    private CprDetector() {
    }

    /** The first CPR-like part of {@code text}, as normalised, if any. */
    public static Optional<String> find(String text) {
        String normalised = normalise(text);
        Matcher m = CANDIDATE.matcher(normalised);
        while (m.find()) {
            int day = Integer.parseInt(m.group(1));
            int month = Integer.parseInt(m.group(2));
            int year = Integer.parseInt(m.group(3));
            if (isDate(day, month, year) || (day > SUBSTITUTE_DAY_OFFSET && isDate(day - SUBSTITUTE_DAY_OFFSET, month, year))) {
                return Optional.of(m.group());
            }
        }
        return Optional.empty();
    }

    /** NFKC, without format characters, with every decimal digit in ASCII. */
    static String normalise(String text) {
        if (isPlainAscii(text)) {
            return text; // NFKC leaves printable ASCII alone, and it holds no format characters
        }
        String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC);
        StringBuilder out = new StringBuilder(nfkc.length());
        nfkc.codePoints().forEach(cp -> {
            if (Character.getType(cp) == Character.FORMAT || cp == '\u200B') {
                return;
            }
            int digit = Character.isDigit(cp) ? Character.digit(cp, 10) : -1;
            if (digit >= 0) {
                out.append((char) ('0' + digit));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
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
