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
 *   <li>characters that show nothing are dropped: format and zero-width characters, control characters,
 *       combining and enclosing marks (variation selectors, the combining grapheme joiner, keycaps), Hangul
 *       fillers; none of them inside a number hides it;</li>
 *   <li>every other Unicode decimal digit (Arabic-Indic, Devanagari, Bengali, ...) becomes its ASCII digit.</li>
 * </ol>
 * A candidate is then a valid DDMMYY and four more digits, with at most one separator between any two
 * of the four parts (a space of any kind, a hyphen or any dash, a slash of any kind, a dot or a
 * middle dot, an underscore), so {@code 01.01.90-1234} is one too; no digit may touch it on either
 * side, letters may (a {@code pt} or pseudonym prefix hides nothing). The
 * day may also be 61-91: substitute numbers add 60 to it. The modulus-11 check is deliberately not
 * used: CPR numbers issued since 2007 need not pass it.
 */
public final class CprDetector {
    private static final String SEPARATOR = "[\\p{Z}\\s\\p{Pd}\u2212/\u2044\u2215\u29F8._\u00B7\u2027\u30FB]?";
    private static final Pattern CANDIDATE = Pattern.compile(
            "(?<![0-9])([0-9]{2})" + SEPARATOR + "([0-9]{2})" + SEPARATOR + "([0-9]{2})" + SEPARATOR + "([0-9]{4})(?![0-9])");
    /** Hangul fillers: letters that show as nothing. */
    private static final String INVISIBLE_LETTERS = "\u115F\u1160\u3164\uFFA0";
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
            if (showsNothing(cp)) {
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

    private static boolean showsNothing(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.CONTROL || type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK || INVISIBLE_LETTERS.indexOf(cp) >= 0;
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
