package dk.spejl.digest;

import dk.spejl.wire.Checksum;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.Record;
import dk.spejl.wire.Status;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LtHashTest {

    static Record record(String id, long size) {
        return Record.newBuilder().setId(id).setStatus(Status.AVAILABLE).setFileFormat(FileFormat.CRAM)
                .setSubjectPseudonym("spabcdefghij").setSizeBytes(size)
                .addChecksums(Checksum.newBuilder().setType("sha-256").setValue("00".repeat(32))).build();
    }

    @Test
    void emptyStateDigestIsTheHashOfAZeroLattice() {
        assertThat(Sha256.hex(LtHash.empty().digest())).isEqualTo(Sha256.hex(Sha256.of(new byte[2048])));
        assertThat(Sha256.hex(LtHash.empty().digest()))
                .isEqualTo("e5a00aa9991ac8a5ee3109844d84a55583bd20572ad3ffcd42792f3c36b183ad");
    }

    /** Test vector pinning the construction: domain string, SHAKE128, 1024 little-endian 16-bit lanes. */
    @Test
    void singleRecordMatchesAnIndependentComputation() {
        Record r = record("ngcf-0000000000000001", 1234);
        byte[] canonical = Canonical.bytes(r);
        SHAKEDigest shake = new SHAKEDigest(128);
        byte[] domain = "spejl.lthash16.v1\0".getBytes(StandardCharsets.US_ASCII);
        shake.update(domain, 0, domain.length);
        shake.update(canonical, 0, canonical.length);
        byte[] expected = new byte[2048];
        shake.doFinal(expected, 0, 2048);

        assertThat(LtHash.empty().add(r).toBytes()).isEqualTo(expected);
        assertThat(Sha256.hex(LtHash.empty().add(r).digest()))
                .isEqualTo(PinnedVectors.SINGLE_RECORD_STATE_DIGEST);
    }

    @Test
    void twoRecordsSumLaneByLaneModulo65536() {
        Record a = record("ngcf-a", 1);
        Record b = record("ngcf-b", 2);
        byte[] la = LtHash.empty().add(a).toBytes();
        byte[] lb = LtHash.empty().add(b).toBytes();
        byte[] both = LtHash.empty().add(a).add(b).toBytes();
        for (int i = 0; i < 1024; i++) {
            int x = (la[2 * i] & 0xff) | (la[2 * i + 1] & 0xff) << 8;
            int y = (lb[2 * i] & 0xff) | (lb[2 * i + 1] & 0xff) << 8;
            int sum = (x + y) & 0xffff;
            assertThat((both[2 * i] & 0xff) | (both[2 * i + 1] & 0xff) << 8).isEqualTo(sum);
        }
        assertThat(Sha256.hex(LtHash.empty().add(a).add(b).digest())).isEqualTo(PinnedVectors.TWO_RECORD_STATE_DIGEST);
    }

    @Test
    void digestDoesNotDependOnOrder() {
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            records.add(record("ngcf-" + i, i));
        }
        LtHash forward = LtHash.empty();
        records.forEach(forward::add);
        Collections.shuffle(records, new Random(7));
        LtHash shuffled = LtHash.empty();
        records.forEach(shuffled::add);
        assertThat(shuffled.digest()).isEqualTo(forward.digest());
    }

    @Test
    void removingUndoesAdding() {
        LtHash h = LtHash.empty().add(record("x-1", 1)).add(record("x-2", 2));
        byte[] before = h.digest();
        h.add(record("x-3", 3)).remove(record("x-3", 3));
        assertThat(h.digest()).isEqualTo(before);
        assertThat(h.remove(record("x-1", 1)).remove(record("x-2", 2)).digest()).isEqualTo(LtHash.empty().digest());
    }

    @Test
    void theRecordIdIsPartOfTheElement() {
        assertThat(LtHash.empty().add(record("ngcf-a", 5)).digest()).isNotEqualTo(LtHash.empty().add(record("ngcf-b", 5)).digest());
    }

    @Test
    void anyChangedFieldChangesTheDigest() {
        Record r = record("ngcf-a", 5);
        byte[] d = LtHash.empty().add(r).digest();
        assertThat(LtHash.empty().add(r.toBuilder().setSizeBytes(6).build()).digest()).isNotEqualTo(d);
        assertThat(LtHash.empty().add(r.toBuilder().setStatus(Status.WITHDRAWN).build()).digest()).isNotEqualTo(d);
    }

    @Test
    void latticeRoundTripsThroughBytes() {
        LtHash h = LtHash.empty().add(record("a-1", 1));
        assertThat(LtHash.fromBytes(h.toBytes())).isEqualTo(h);
    }
}
