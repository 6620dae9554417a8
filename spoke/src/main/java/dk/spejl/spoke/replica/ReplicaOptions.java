package dk.spejl.spoke.replica;

import org.rocksdb.CompressionType;
import org.rocksdb.Options;

/** How the replica's RocksDB databases are opened: the live one and one a bootstrap builds. */
final class ReplicaOptions {
    private ReplicaOptions() {
    }

    /**
     * LZ4 for the spoke's own writes (ingested chunk tables keep their ZSTD). Every table file is kept open (a
     * bootstrapped million records are about 185 chunk tables): with a bound, RocksDB's table cache is split in 64
     * shards of a few tables each, and a search's record reads reopened tables, 5 % of the spoke's CPU under search load.
     */
    static Options create() {
        return new Options().setCreateIfMissing(true).setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setMaxOpenFiles(-1);
    }
}
