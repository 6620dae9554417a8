package dk.spejl.verify;

import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.wire.Delta;
import dk.spejl.wire.Record;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Moves a state digest across one delta, touching only the records the delta names. The hub
 * runs it to publish and the spoke runs it to verify, so both compute the digest the same way.
 *
 * <p>Each change is expanded into lattice lanes on its own (SHAKE128 over the record, the bulk of
 * the cost), and lattices add in any order, so a large delta is cut into parts that run on the
 * common fork-join pool and are added up at the end. A small one, such as the single-record
 * revision a spoke verifies on its transport thread, runs on the calling thread only.
 */
public final class StateTransition {
    /** Deltas with at least this many changes are expanded in parallel parts. */
    static final int PARALLEL_FROM = 4096;

    /** The replica's current canonical bytes of a record, or null when absent. Called from several threads at once for a large delta. */
    @FunctionalInterface
    public interface CurrentRecords {
        byte[] canonical(String id);
    }

    public record Put(String id, byte[] canonical) {
    }

    public record Result(LtHash lattice, long entryCount, List<Put> puts, List<String> deletes) {
    }

    /** One part's sum of lanes and change in entry count, or the first error in it. */
    private record Part(LtHash lattice, long added, MalformedException error) {
    }

    private StateTransition() {
    }

    public static Result apply(LtHash from, long entryCount, Delta delta, CurrentRecords current) throws MalformedException {
        int putCount = delta.getPutsCount();
        int changes = putCount + delta.getDeletesCount();
        Set<String> touched = new HashSet<>(changes * 4 / 3 + 1);
        for (Record record : delta.getPutsList()) {
            if (!touched.add(record.getId())) {
                throw new MalformedException("delta names record " + record.getId() + " twice");
            }
        }
        for (String id : delta.getDeletesList()) {
            if (!touched.add(id)) {
                throw new MalformedException("delta names record " + id + " twice");
            }
        }
        Put[] puts = new Put[putCount];
        int parts = changes < PARALLEL_FROM ? 1 : 4 * (ForkJoinPool.getCommonPoolParallelism() + 1);
        IntStream indexes = IntStream.range(0, parts);
        Part[] done = (parts > 1 ? indexes.parallel() : indexes)
                .mapToObj(p -> part((int) ((long) changes * p / parts), (int) ((long) changes * (p + 1) / parts), delta, current, puts))
                .toArray(Part[]::new);
        LtHash lattice = from.copy();
        long count = entryCount;
        for (Part part : done) {
            // Parts are in delta order and each stops at its first error, so this is the delta's first error.
            if (part.error() != null) {
                throw part.error();
            }
            lattice.combine(part.lattice());
            count += part.added();
        }
        return new Result(lattice, count, Arrays.asList(puts), delta.getDeletesList());
    }

    /** Changes {@code from} (inclusive) to {@code to}, counting the puts first and then the deletes. */
    private static Part part(int from, int to, Delta delta, CurrentRecords current, Put[] puts) {
        LtHash lattice = LtHash.empty();
        long added = 0;
        for (int i = from; i < to; i++) {
            if (i < puts.length) {
                Record record = delta.getPuts(i);
                byte[] canonical = Canonical.bytes(record);
                byte[] old = current.canonical(record.getId());
                if (old == null) {
                    added++;
                } else {
                    lattice.removeCanonical(old);
                }
                lattice.addCanonical(canonical);
                puts[i] = new Put(record.getId(), canonical);
            } else {
                String id = delta.getDeletes(i - puts.length);
                byte[] old = current.canonical(id);
                if (old == null) {
                    return new Part(lattice, added, new MalformedException("delta deletes record " + id + ", which the state does not hold"));
                }
                lattice.removeCanonical(old);
                added--;
            }
        }
        return new Part(lattice, added, null);
    }
}
