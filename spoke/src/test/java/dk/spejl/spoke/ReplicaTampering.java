package dk.spejl.spoke;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes into a stopped spoke's database behind the replica's back, as an intruder or a bad disk would. */
final class ReplicaTampering {
    private ReplicaTampering() {
    }

    static void put(Path replicaDir, String id, byte[] value) throws Exception {
        String current = Files.readString(replicaDir.resolve("CURRENT")).trim();
        try (Options options = new Options(); RocksDB db = RocksDB.open(options, replicaDir.resolve(current).toString())) {
            db.put(("r/" + id).getBytes(StandardCharsets.UTF_8), value);
        }
    }
}
