package dk.spejl.hub.catalogue;

import dk.spejl.wire.HubRecord;

import java.util.List;

/**
 * A validated change set: what one ingest file asks for. Puts and deletes each keep the line
 * they came from, so errors found at publish time can still point at a line.
 */
public record ChangeSet(List<Put> puts, List<Delete> deletes) {

    public ChangeSet {
        puts = List.copyOf(puts);
        deletes = List.copyOf(deletes);
    }

    public record Put(int line, HubRecord record) {
        public String id() {
            return record.getRecord().getId();
        }
    }

    public record Delete(int line, String id) {
    }

    public int size() {
        return puts.size() + deletes.size();
    }
}
