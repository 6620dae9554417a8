package dk.spejl.verify;

import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.Delta;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.Record;
import dk.spejl.wire.Status;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateTransitionTest {

    private static Record record(int n, long size) {
        return Record.newBuilder().setId(String.format("ngcf-%016d", n)).setStatus(Status.AVAILABLE).setFileFormat(FileFormat.CRAM)
                .setSubjectPseudonym("spabcdefghij").setSizeBytes(size)
                .addChecksums(Checksum.newBuilder().setType("sha-256").setValue(String.format("%064x", n))).build();
    }

    /** A held state of {@code n} records, keyed by id, and its lattice added up one record at a time. */
    private static Map<String, byte[]> state(int n) {
        Map<String, byte[]> held = new HashMap<>();
        for (int i = 0; i < n; i++) {
            held.put(record(i, 100).getId(), Canonical.bytes(record(i, 100)));
        }
        return held;
    }

    private static LtHash oneByOne(Map<String, byte[]> held) {
        LtHash lattice = LtHash.empty();
        held.values().forEach(lattice::addCanonical);
        return lattice;
    }

    @Test
    void aDeltaLargeEnoughToRunInPartsGivesTheDigestOfTheStateItLeads() throws Exception {
        Map<String, byte[]> held = state(6000);
        Delta.Builder delta = Delta.newBuilder().setHubId("hub").setRevision(2);
        Map<String, byte[]> after = new HashMap<>(held);
        for (int i = 2000; i < 8000; i++) {            // 4,000 updates, then 2,000 new records
            delta.addPuts(record(i, 200));
            after.put(record(i, 200).getId(), Canonical.bytes(record(i, 200)));
        }
        for (int i = 0; i < 1500; i++) {               // 1,500 deletes
            delta.addDeletes(record(i, 100).getId());
            after.remove(record(i, 100).getId());
        }
        assertThat(delta.getPutsCount() + delta.getDeletesCount()).isGreaterThanOrEqualTo(StateTransition.PARALLEL_FROM);

        StateTransition.Result result = StateTransition.apply(oneByOne(held), held.size(), delta.build(), held::get);

        assertThat(result.lattice()).isEqualTo(oneByOne(after));
        assertThat(result.entryCount()).isEqualTo(after.size()).isEqualTo(6500);
        assertThat(result.puts()).hasSize(6000);
        for (int i = 0; i < 6000; i++) {
            assertThat(result.puts().get(i).id()).isEqualTo(record(2000 + i, 200).getId());
            assertThat(result.puts().get(i).canonical()).isEqualTo(Canonical.bytes(record(2000 + i, 200)));
        }
        assertThat(result.deletes()).hasSize(1500);
    }

    @Test
    void aSmallDeltaGivesTheSameDigestAsTheStateItLeadsTo() throws Exception {
        Map<String, byte[]> held = state(10);
        Delta delta = Delta.newBuilder().setHubId("hub").setRevision(2).addPuts(record(3, 300)).addPuts(record(10, 1))
                .addDeletes(record(4, 100).getId()).build();
        Map<String, byte[]> after = new HashMap<>(held);
        after.put(record(3, 300).getId(), Canonical.bytes(record(3, 300)));
        after.put(record(10, 1).getId(), Canonical.bytes(record(10, 1)));
        after.remove(record(4, 100).getId());

        StateTransition.Result result = StateTransition.apply(oneByOne(held), held.size(), delta, held::get);

        assertThat(result.lattice()).isEqualTo(oneByOne(after));
        assertThat(result.entryCount()).isEqualTo(10);
    }

    @Test
    void ofSeveralDeletesOfAbsentRecordsTheFirstInTheDeltaIsNamed() {
        Map<String, byte[]> held = state(6000);
        Delta.Builder delta = Delta.newBuilder().setHubId("hub").setRevision(2);
        for (int i = 0; i < 6000; i++) {
            // absent: 7001 early in the deletes, 7000 at the very end, in another part
            delta.addDeletes(record(i == 10 ? 7001 : i == 5999 ? 7000 : i, 100).getId());
        }

        assertThatThrownBy(() -> StateTransition.apply(oneByOne(held), held.size(), delta.build(), held::get))
                .isInstanceOf(MalformedException.class).hasMessageContaining(record(7001, 100).getId())
                .hasMessageContaining("which the state does not hold");
    }

    @Test
    void aDeltaThatNamesARecordTwiceIsRefused() {
        Map<String, byte[]> held = state(10);
        Delta delta = Delta.newBuilder().setHubId("hub").setRevision(2).addPuts(record(3, 300))
                .addDeletes(record(3, 100).getId()).build();

        assertThatThrownBy(() -> StateTransition.apply(oneByOne(held), held.size(), delta, held::get))
                .isInstanceOf(MalformedException.class).hasMessage("delta names record " + record(3, 100).getId() + " twice");
    }

    @Test
    void theHeldLatticeIsNotChanged() throws Exception {
        Map<String, byte[]> held = state(10);
        LtHash before = oneByOne(held);
        LtHash copy = before.copy();

        StateTransition.apply(before, 10, Delta.newBuilder().setHubId("hub").setRevision(2).addPuts(record(1, 5)).build(), held::get);

        assertThat(before).isEqualTo(copy);
    }
}
