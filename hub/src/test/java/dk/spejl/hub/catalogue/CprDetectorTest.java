package dk.spejl.hub.catalogue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What counts as a CPR number (invariant 1), however it is written, and what does not. */
class CprDetectorTest {
    private static Arguments cpr(String text, String why) {
        return arguments(text, true, why);
    }

    private static Arguments not(String text, String why) {
        return arguments(text, false, why);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // Written plainly.
                cpr("120385-1234", "the usual form"),
                cpr("1203851234", "no separator"),
                cpr("patient 010101-0001 seen", "inside a sentence"),
                cpr("CPR: 120385-1234.", "after a label, before a full stop"),
                cpr("x_3112991234", "after an underscore"),
                cpr("290200-1111", "29 February 2000"),
                cpr("290204-2222", "29 February 2004"),
                cpr("010100-0000", "1 January 1900 or 2000"),
                cpr("310199-9999", "31 January"),
                cpr("0101011234", "ten digits that read as 1 January 2001"),
                // One separator of any kind.
                cpr("120385 1234", "a space"),
                cpr("120385\t1234", "a tab"),
                cpr("120385\u00a01234", "a no-break space"),
                cpr("120385\u20091234", "a thin space"),
                cpr("120385\u20131234", "an en dash"),
                cpr("120385\u20141234", "an em dash"),
                cpr("120385\u20101234", "a Unicode hyphen"),
                cpr("120385\u22121234", "a minus sign"),
                cpr("120385/1234", "a slash"),
                cpr("120385.1234", "a dot"),
                cpr("120385_1234", "an underscore"),
                // Letters touching it hide nothing.
                cpr("pt1203851234", "a pt prefix"),
                cpr("pt120385-1234", "a pt prefix and a hyphen"),
                cpr("1203851234x", "a letter after"),
                cpr("a1203851234", "a letter before"),
                cpr("ABC1203851234DEF", "letters on both sides"),
                cpr("sub-1203851234", "a pseudonym prefix"),
                cpr("9f1203851234ab00", "hex digits around it: only checksums in their own field are left out"),
                cpr("121285-1234abc", "letters after the usual form"),
                // Digits in other scripts and forms.
                cpr("\uff11\uff12\uff10\uff13\uff18\uff15\uff0d\uff11\uff12\uff13\uff14", "fullwidth digits and hyphen"),
                cpr("\uff50\uff54\uff11\uff12\uff10\uff13\uff18\uff15\uff11\uff12\uff13\uff14", "fullwidth letters and digits"),
                cpr("\u0661\u0662\u0660\u0663\u0668\u0665\u0661\u0662\u0663\u0664", "Arabic-Indic digits"),
                cpr("\u06f1\u06f2\u06f0\u06f3\u06f8\u06f5\u06f1\u06f2\u06f3\u06f4", "extended Arabic-Indic digits"),
                cpr("\u0967\u0968\u0966\u0969\u096e\u096b\u0967\u0968\u0969\u096a", "Devanagari digits"),
                cpr("\u09e7\u09e8\u09e6\u09e9\u09ee\u09eb\u09e7\u09e8\u09e9\u09ea", "Bengali digits"),
                cpr("\u2460\u2461\u24ea\u2462\u2467\u2464\u2460\u2461\u2462\u2463", "circled digits"),
                cpr("\u00b9\u00b2\u2070\u00b3\u2078\u2075\u00b9\u00b2\u00b3\u2074", "superscript digits"),
                cpr("\ud835\udfcf\ud835\udfd0\ud835\udfce\ud835\udfd1\ud835\udfd6\ud835\udfd3\ud835\udfcf\ud835\udfd0\ud835\udfd1\ud835\udfd2",
                        "mathematical bold digits"),
                // Invisible characters inside it hide nothing.
                cpr("1203\u200b851234", "a zero-width space"),
                cpr("120385\u200d-1234", "a zero-width joiner before the hyphen"),
                cpr("1203\u00ad851234", "a soft hyphen"),
                cpr("\ufeff1203851234", "a byte-order mark"),
                cpr("120385\u20601234", "a word joiner"),
                cpr("12\u200c0385\u200c1234", "zero-width non-joiners"),
                // Characters that show nothing, and separators inside the date.
                cpr("0\ufe0f\u20e31\ufe0f\u20e30\ufe0f\u20e31\ufe0f\u20e39\ufe0f\u20e30\ufe0f\u20e31\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e34\ufe0f\u20e3",
                        "keycap digits"),
                cpr("01019\u034f01234", "a combining grapheme joiner"),
                cpr("010190\u00851234", "a next-line control character"),
                cpr("010190\u001f1234", "a unit separator"),
                cpr("010190\u00001234", "a NUL"),
                cpr("0101\u316490-1234", "a Hangul filler"),
                cpr("010190\u22151234", "a division slash"),
                cpr("010190\u20441234", "a fraction slash"),
                cpr("010190\u00b71234", "a middle dot"),
                cpr("01.01.90-1234", "a dotted date"),
                cpr("01 01 90 1234", "spaces between every part"),
                cpr("1203-85-1234", "separators inside the date"),
                cpr("1203 851234", "a space inside the date"),
                // Substitute numbers: the day plus 60.
                cpr("610185-1234", "substitute number for 1 January"),
                cpr("911285-1234", "substitute number for 31 December"),
                cpr("8902001234", "substitute number for 29 February 2000"),

                // Not dates.
                not("320185-1234", "no 32nd day"),
                not("121385-1234", "no 13th month"),
                not("120085-1234", "no month 0"),
                not("290201-1234", "29 February 1901 and 2001 did not exist"),
                not("000185-1234", "no day 0"),
                not("0000000000", "day and month 0"),
                not("601285-1234", "substitute day 60 is day 0"),
                not("921285-1234", "substitute day 92 is day 32"),
                not("351285-1234", "day 35 is neither a day nor a substitute one"),
                not("590185-1234", "day 59 is neither"),
                not("131313-1313", "month 13"),
                not("999999-9999", "nothing valid"),
                not("\u0663\u0662\u0660\u0661\u0668\u0665\u0661\u0662\u0663\u0664", "Arabic-Indic digits of a 32nd day"),
                // Not the shape.
                not("12038512345", "eleven digits"),
                not("012038512345", "twelve digits"),
                not("120385-12345", "five digits after the date"),
                not("120385-123", "three digits after the date"),
                not("120385--1234", "two separators"),
                not("120385 - 1234", "a separator with spaces around it"),
                not("12038-51234", "the separator in the wrong place"),
                not("120385:1234", "a colon is not one of the separators"),
                not("01:01:90 1234", "colons inside the date"),
                not("1.1.90-1234", "a day and month of one digit"),
                not("01.01.90", "a dotted date alone"),
                not("010190-12-34", "a separator inside the last four"),
                not("120385", "a date alone"),
                not("12.03.85", "a written date"),
                not("12/03/1985", "a date with a four-digit year"),
                not("2019-05-12T10:20:30Z", "a timestamp"),
                not("+4512345678", "a phone number whose first pair is no day"),
                not("size 12345678901", "eleven digits after a word"),
                not("chr1:1234567-2345678", "a genomic interval"),
                // What a catalogue holds.
                not("ngcf-00a1b2c3d4e5f607", "an id with short digit runs"),
                not("ngcf-0123456789abcdef", "an id whose first pair is no day and second no month"),
                not("sp2k3j4h5g6f", "a pseudonym"),
                not("2023-01", "produced on"),
                not("DUO:0000043", "a data-use code"),
                not("nf-core/sarek@3.4.2", "a pipeline"),
                not("ngc-wgs@3.2.1", "another pipeline"),
                not("GRCh38", "a reference"),
                not("Illumina NovaSeq 6000", "an instrument"),
                not("read length 151", "a number in text"),
                not("", "nothing"),
                not("1234", "four digits"));
    }

    @ParameterizedTest(name = "{2}: {0}")
    @MethodSource("table")
    void findsCprNumbersHoweverTheyAreWrittenAndNothingElse(String text, boolean cpr, String why) {
        assertThat(CprDetector.find(text)).as(why).matches(found -> found.isPresent() == cpr, cpr ? "a CPR number" : "no CPR number");
    }

    @org.junit.jupiter.api.Test
    void theTableHoldsAtLeastFortyOfEach() {
        assertThat(table().filter(a -> (boolean) a.get()[1]).count()).isGreaterThanOrEqualTo(40);
        assertThat(table().filter(a -> !(boolean) a.get()[1]).count()).isGreaterThanOrEqualTo(40);
    }
}
