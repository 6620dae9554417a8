package dk.spejl.verify;

import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.wire.Delta;
import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Moves a state digest across one delta, touching only the records the delta names. The hub
 * runs it to publish and the spoke runs it to verify, so both compute the digest the same way.
 */
public final class StateTransition {

    /** The replica's current canonical bytes of a record, or null when absent. */
    @FunctionalInterface
    public interface CurrentRecords {
        byte[] canonical(String id);
    }

    public record Put(String id, byte[] canonical) {
    }

    public record Result(LtHash lattice, long entryCount, List<Put> puts, List<String> deletes) {
    }

    private StateTransition() {
    }

    public static Result apply(LtHash from, long entryCount, Delta delta, CurrentRecords current) throws MalformedException {
        LtHash lattice = from.copy();
        long count = entryCount;
        Set<String> touched = new HashSet<>();
        List<Put> puts = new ArrayList<>(delta.getPutsCount());
        for (Record record : delta.getPutsList()) {
            if (!touched.add(record.getId())) {
                throw new MalformedException("delta names record " + record.getId() + " twice");
            }
            byte[] canonical = Canonical.bytes(record);
            byte[] old = current.canonical(record.getId());
            if (old == null) {
                count++;
            } else {
                lattice.removeCanonical(old);
            }
            lattice.addCanonical(canonical);
            puts.add(new Put(record.getId(), canonical));
        }
        for (String id : delta.getDeletesList()) {
            if (!touched.add(id)) {
                throw new MalformedException("delta names record " + id + " twice");
            }
            byte[] old = current.canonical(id);
            if (old == null) {
                throw new MalformedException("delta deletes record " + id + ", which the state does not hold");
            }
            lattice.removeCanonical(old);
            count--;
        }
        return new Result(lattice, count, puts, delta.getDeletesList());
    }
}
