package dk.spejl.digest;

import com.google.protobuf.util.JsonFormat;
import dk.spejl.wire.Record;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CanonicalTest {
    @Test
    void fieldOrderOfTheSourceDoesNotMatter() throws Exception {
        Record.Builder a = Record.newBuilder();
        JsonFormat.parser().merge("{\"id\":\"ngcf-1\",\"size_bytes\":\"10\",\"owner_region\":\"syddanmark\",\"status\":\"AVAILABLE\"}", a);
        Record.Builder b = Record.newBuilder();
        JsonFormat.parser().merge("{\"status\":\"AVAILABLE\",\"owner_region\":\"syddanmark\",\"size_bytes\":10,\"id\":\"ngcf-1\"}", b);
        assertThat(Canonical.bytes(a.build())).isEqualTo(Canonical.bytes(b.build()));
    }

    @Test
    void canonicalBytesAreStableAndPinned() {
        Record r = LtHashTest.record("ngcf-0000000000000001", 1234);
        assertThat(Canonical.bytes(r)).isEqualTo(Canonical.bytes(Record.newBuilder(r).build()));
        // Field numbers ascend (id, status, subject, format, size, checksums); proto3 defaults are omitted.
        assertThat(Sha256.hex(Canonical.bytes(r))).isEqualTo("0a156e6763662d30303030303030303030303030303031" // id
                + "1001" + "1a0c73706162636465666768696a" + "3003" + "8801d209"         // status, subject, format, size
                + "92014b" + "0a077368612d323536" + "1240" + "30".repeat(64));
    }

    @Test
    void defaultValuesAreNotEncoded() {
        assertThat(Canonical.bytes(Record.newBuilder().setId("a-1").build())).hasSize(5);
    }
}
