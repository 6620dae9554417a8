package dk.spejl.hub.catalogue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class CprDetectorTest {
    @ParameterizedTest
    @ValueSource(strings = {"120385-1234", "1203851234", "patient 010101-0001 seen", "x_3112991234", "290200-1111", "290204-2222"})
    void findsCprLikeValues(String text) {
        assertThat(CprDetector.find(text)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "320185-1234",        // no 32nd day
            "121385-1234",        // no 13th month
            "290201-1234",        // 29 February 1901/2001 did not exist
            "000185-1234",        // no day 0
            "12038512345",        // eleven digits
            "a1203851234",        // part of a longer token
            "1203851234b",
            "9f1203851234ab00",   // inside a hex checksum
            "ngcf-00a1b2c3d4e5f607",
            "sp2k3j4h5g6f"})
    void ignoresValuesThatAreNotCprNumbers(String text) {
        assertThat(CprDetector.find(text)).isEmpty();
    }
}
