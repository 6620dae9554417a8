package dk.spejl.spoke.replica;

import dk.spejl.verify.MalformedException;
import dk.spejl.wire.ChunkRef;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;
import org.rocksdb.TableProperties;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A snapshot chunk is an SST file in the replica's own key layout ({@code r/<id>} to the
 * canonical record bytes), so a bootstrap ingests it as it is. The digest the signed index names
 * already vouches for its bytes; this check makes sure those bytes are the table the index
 * describes: a readable SST holding exactly the index's entry count of plain puts, from its first
 * id to its last. Keys between two {@code r/} keys are {@code r/} keys, so nothing outside the
 * record range can be ingested.
 */
public final class ChunkTable {
    static {
        org.rocksdb.RocksDB.loadLibrary();
    }

    private ChunkTable() {
    }

    public static void check(Path file, ChunkRef ref) throws MalformedException {
        try (Options options = new Options(); SstFileReader reader = new SstFileReader(options)) {
            reader.open(file.toString());
            TableProperties properties = reader.getTableProperties();
            if (properties.getNumEntries() != ref.getEntryCount()) {
                throw new MalformedException("chunk holds " + properties.getNumEntries() + " entries, its index says " + ref.getEntryCount());
            }
            if (properties.getNumDeletions() != 0 || properties.getNumRangeDeletions() != 0 || properties.getNumMergeOperands() != 0) {
                throw new MalformedException("chunk holds deletions or merge operands, not only records");
            }
            try (ReadOptions read = new ReadOptions(); SstFileReaderIterator it = reader.newIterator(read)) {
                it.seekToFirst();
                byte[] first = it.isValid() ? it.key() : null;
                it.seekToLast();
                byte[] last = it.isValid() ? it.key() : null;
                if (!Arrays.equals(first, key(ref.getFirstId())) || !Arrays.equals(last, key(ref.getLastId()))) {
                    throw new MalformedException("chunk bounds differ from its index (" + ref.getFirstId() + " .. " + ref.getLastId() + ")");
                }
            }
        } catch (RocksDBException e) {
            throw new MalformedException("chunk is not a readable table: " + e.getMessage());
        }
    }

    private static byte[] key(String id) {
        return Replica.RECORDS.key(id);
    }
}
