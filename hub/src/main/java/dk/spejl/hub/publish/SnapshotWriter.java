package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.hub.catalogue.RecordStore;
import dk.spejl.digest.Canonical;
import dk.spejl.digest.LtHash;
import dk.spejl.wire.ChunkRef;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.Record;
import dk.spejl.wire.SnapshotIndex;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Writes a snapshot of the state a publish is about to create: the stored catalogue merged
 * with the change set, in id order, cut into chunk objects of about two megabytes of records
 * (SST files, see {@link ChunkBuffer}), and an index that lists them. It runs before the
 * manifest is signed, so the manifest can name it.
 */
final class SnapshotWriter {
    /** Record bytes per chunk, before the SST's compression. */
    static final int CHUNK_TARGET_BYTES = 2 << 20;
    /**
     * Chunk tables are ZSTD-compressed in 16 KB blocks: 0.59 times the bytes of LZ4 in RocksDB's
     * default 4 KB blocks, for every byte a bootstrap moves, hashes and writes. A spoke read that
     * misses the block cache costs a little more (55 µs at the median against 36), and writing them
     * takes the hub's background snapshot about 1.7 times as long (docs/decisions.md, "Chunk tables
     * are ZSTD in 16 KB blocks").
     */
    static final CompressionType CHUNK_COMPRESSION = CompressionType.ZSTD_COMPRESSION;
    static final int CHUNK_BLOCK_BYTES = 16 << 10;
    /** A chunk's keys are this plus the record id: the key layout of a spoke's replica. */
    static final String KEY_PREFIX = "r/";

    static {
        org.rocksdb.RocksDB.loadLibrary();
    }

    private SnapshotWriter() {
    }

    /** The bytes of a snapshot's chunks, the measure that deltas since it are compared with. */
    static long chunkBytes(ObjectStore objects, ObjectRef index) throws IOException {
        return SnapshotIndex.parseFrom(objects.readAll(index.getDigest().toByteArray())).getChunksList().stream()
                .mapToLong(c -> c.getObject().getSize()).sum();
    }

    static ObjectRef write(ObjectStore objects, Path scratch, String hubId, long revision, LtHash lattice, long entryCount,
                           Iterator<RecordStore.StoredRecord> stored, NavigableMap<String, HubRecord> puts, Set<String> deletes,
                           java.util.function.BooleanSupplier cancelled) throws IOException {
        SnapshotIndex.Builder index = SnapshotIndex.newBuilder().setHubId(hubId).setRevision(revision)
                .setEntryCount(entryCount).setLattice(ByteString.copyFrom(lattice.toBytes()));
        ChunkBuffer buffer = new ChunkBuffer(objects, index, Files.createDirectories(scratch));
        Iterator<Map.Entry<String, HubRecord>> changes = puts.entrySet().iterator();
        Map.Entry<String, HubRecord> change = changes.hasNext() ? changes.next() : null;
        while (stored.hasNext()) {
            if (cancelled.getAsBoolean()) {
                throw new java.io.InterruptedIOException("snapshot of revision " + revision + " abandoned: the hub is stopping");
            }
            RecordStore.StoredRecord record = stored.next();
            while (change != null && change.getKey().compareTo(record.id()) < 0) {
                buffer.add(change.getValue().getRecord());
                change = changes.hasNext() ? changes.next() : null;
            }
            if (change != null && change.getKey().equals(record.id())) {
                buffer.add(change.getValue().getRecord());
                change = changes.hasNext() ? changes.next() : null;
            } else if (!deletes.contains(record.id())) {
                buffer.add(record.id(), record.canonical());
            }
        }
        while (change != null) {
            buffer.add(change.getValue().getRecord());
            change = changes.hasNext() ? changes.next() : null;
        }
        buffer.flush();
        return objects.put(index.build().toByteArray());
    }

    /**
     * Collects records in id order and writes each run of about {@link #CHUNK_TARGET_BYTES} as one
     * chunk: a RocksDB SST file (ZSTD blocks) whose keys are {@code r/<id>} and whose values are the
     * canonical record bytes, exactly the layout of a spoke's replica. A spoke checks its digest and
     * ingests it as it is, with no work per record.
     */
    private static final class ChunkBuffer {
        private final ObjectStore objects;
        private final SnapshotIndex.Builder index;
        private final Path scratch;
        private final java.util.List<String> ids = new java.util.ArrayList<>();
        private final java.util.List<byte[]> values = new java.util.ArrayList<>();
        private int bytes;

        ChunkBuffer(ObjectStore objects, SnapshotIndex.Builder index, Path scratch) {
            this.objects = objects;
            this.index = index;
            this.scratch = scratch;
        }

        void add(Record record) throws IOException {
            add(record.getId(), Canonical.bytes(record));
        }

        void add(String id, byte[] canonical) throws IOException {
            ids.add(id);
            values.add(canonical);
            bytes += canonical.length + id.length() + 8;
            if (bytes >= CHUNK_TARGET_BYTES) {
                flush();
            }
        }

        void flush() throws IOException {
            if (ids.isEmpty()) {
                return;
            }
            Path file = Files.createTempFile(scratch, "chunk-", ".sst");
            try {
                try (EnvOptions env = new EnvOptions();
                     Options options = new Options().setCompressionType(CHUNK_COMPRESSION)
                             .setTableFormatConfig(new BlockBasedTableConfig().setBlockSize(CHUNK_BLOCK_BYTES));
                     SstFileWriter writer = new SstFileWriter(env, options)) {
                    writer.open(file.toString());
                    for (int i = 0; i < ids.size(); i++) {
                        writer.put((KEY_PREFIX + ids.get(i)).getBytes(StandardCharsets.UTF_8), values.get(i));
                    }
                    writer.finish();
                } catch (RocksDBException e) {
                    throw new IOException("writing a snapshot chunk failed: " + e.getMessage(), e);
                }
                ObjectRef ref = objects.put(Files.readAllBytes(file));
                index.addChunks(ChunkRef.newBuilder().setObject(ref).setEntryCount(ids.size())
                        .setFirstId(ids.get(0)).setLastId(ids.get(ids.size() - 1)));
            } finally {
                Files.deleteIfExists(file);
            }
            ids.clear();
            values.clear();
            bytes = 0;
        }
    }
}
