package dk.spejl.spoke.replica;

import dk.spejl.wire.Chunk;
import dk.spejl.wire.ChunkEntry;
import org.rocksdb.CompressionType;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileWriter;

import java.io.IOException;
import java.nio.file.Path;

/** Writes one verified snapshot chunk as a sorted SST file, ready to ingest into a new replica. */
public final class SstWriter {
    private SstWriter() {
    }

    public static void write(Path file, Chunk chunk) throws IOException {
        try (EnvOptions env = new EnvOptions();
             Options options = Replica.dbOptions().setCompressionType(CompressionType.LZ4_COMPRESSION);
             SstFileWriter writer = new SstFileWriter(env, options)) {
            writer.open(file.toString());
            for (ChunkEntry entry : chunk.getEntriesList()) {
                writer.put(Replica.bytes(Replica.RECORD + entry.getId()), entry.getRecord().toByteArray());
            }
            writer.finish();
        } catch (RocksDBException e) {
            throw new IOException("writing " + file + " failed: " + e.getMessage(), e);
        }
    }
}
