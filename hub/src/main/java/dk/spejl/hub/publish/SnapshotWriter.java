package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.wire.Chunk;
import dk.spejl.wire.ChunkEntry;
import dk.spejl.wire.ChunkRef;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.Record;
import dk.spejl.wire.SnapshotIndex;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Writes a snapshot of the state a publish is about to create: the stored catalogue merged
 * with the change set, in id order, cut into chunk objects of about a megabyte, and an index
 * that lists them. It runs before the manifest is signed, so the manifest can name it.
 */
final class SnapshotWriter {
    static final int CHUNK_TARGET_BYTES = 1 << 20;

    private SnapshotWriter() {
    }

    static ObjectRef write(ObjectStore objects, String hubId, long revision, LtHash lattice, long entryCount,
                           Iterator<CatalogueStore.StoredRecord> stored, NavigableMap<String, Record> puts, Set<String> deletes,
                           java.util.function.BooleanSupplier cancelled) throws IOException {
        SnapshotIndex.Builder index = SnapshotIndex.newBuilder().setHubId(hubId).setRevision(revision)
                .setEntryCount(entryCount).setLattice(ByteString.copyFrom(lattice.toBytes()));
        ChunkBuffer buffer = new ChunkBuffer(objects, index);
        Iterator<Map.Entry<String, Record>> changes = puts.entrySet().iterator();
        Map.Entry<String, Record> change = changes.hasNext() ? changes.next() : null;
        while (stored.hasNext()) {
            if (cancelled.getAsBoolean()) {
                throw new java.io.InterruptedIOException("snapshot of revision " + revision + " abandoned: the hub is stopping");
            }
            CatalogueStore.StoredRecord record = stored.next();
            while (change != null && change.getKey().compareTo(record.id()) < 0) {
                buffer.add(change.getValue());
                change = changes.hasNext() ? changes.next() : null;
            }
            if (change != null && change.getKey().equals(record.id())) {
                buffer.add(change.getValue());
                change = changes.hasNext() ? changes.next() : null;
            } else if (!deletes.contains(record.id())) {
                buffer.add(record.id(), record.canonical());
            }
        }
        while (change != null) {
            buffer.add(change.getValue());
            change = changes.hasNext() ? changes.next() : null;
        }
        buffer.flush();
        return objects.put(index.build().toByteArray());
    }

    private static final class ChunkBuffer {
        private final ObjectStore objects;
        private final SnapshotIndex.Builder index;
        private Chunk.Builder chunk = Chunk.newBuilder();
        private int bytes;

        ChunkBuffer(ObjectStore objects, SnapshotIndex.Builder index) {
            this.objects = objects;
            this.index = index;
        }

        void add(Record record) throws IOException {
            add(record.getId(), Canonical.bytes(record));
        }

        /** The canonical bytes are neither changed nor kept after the chunk is written, so they are not copied. */
        void add(String id, byte[] canonical) throws IOException {
            chunk.addEntries(ChunkEntry.newBuilder().setId(id).setRecord(UnsafeByteOperations.unsafeWrap(canonical)));
            bytes += canonical.length + id.length() + 8;
            if (bytes >= CHUNK_TARGET_BYTES) {
                flush();
            }
        }

        void flush() throws IOException {
            if (chunk.getEntriesCount() == 0) {
                return;
            }
            ObjectRef ref = objects.put(chunk.build().toByteArray());
            index.addChunks(ChunkRef.newBuilder().setObject(ref).setEntryCount(chunk.getEntriesCount())
                    .setFirstId(chunk.getEntries(0).getId())
                    .setLastId(chunk.getEntries(chunk.getEntriesCount() - 1).getId()));
            chunk = Chunk.newBuilder();
            bytes = 0;
        }
    }
}
