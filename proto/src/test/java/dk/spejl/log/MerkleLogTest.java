package dk.spejl.log;

import dk.spejl.signing.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log in a real RocksDB in a temporary directory: concurrent appends that share syncs, proofs that check out
 * against its signed checkpoints, a reopen, and {@code verify} finding each kind of tampering at its index.
 */
class MerkleLogTest {
    private static final MerkleLog.Policy EVERY_100 = new MerkleLog.Policy(100, Duration.ofHours(1));
    private final Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());

    @TempDir
    Path tmp;

    private static byte[] entry(long i) {
        return ("{\"who\":\"user-" + (i % 7) + "\",\"what\":\"search\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void concurrentAppendsShareSyncsAndEveryProofChecksOutAgainstTheSignedCheckpoints() throws Exception {
        Path dir = tmp.resolve("log");
        Set<Long> indices = ConcurrentHashMap.newKeySet();
        List<byte[]> entries = new ArrayList<>();
        try (MerkleLog log = MerkleLog.open(dir, "spoke.example/browse", key, EVERY_100, Clock.systemUTC())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int from = t * 125;
                threads.add(new Thread(() -> {
                    for (int i = from; i < from + 125; i++) {
                        try {
                            indices.add(log.append(("entry " + i).getBytes(StandardCharsets.UTF_8)));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(log.size()).isEqualTo(1000);
            assertThat(indices).hasSize(1000);
            assertThat(log.commits()).as("appends that came together shared a sync").isLessThan(1000);
            for (long i = 0; i < 1000; i++) {
                entries.add(log.entry(i).orElseThrow());
            }
            Merkle.Nodes recomputed = MerkleTest.nodes(entries);
            assertThat(log.root(1000)).isEqualTo(Merkle.root(recomputed, 1000));
            // Checkpoints every 100 entries or more (appends are committed in batches), each signed and each
            // consistent with the next.
            List<Checkpoint> checkpoints = new ArrayList<>();
            for (String note : log.checkpointNotes()) {
                checkpoints.add(Checkpoint.open(note, log.checkpointKey()));
            }
            assertThat(checkpoints).hasSizeGreaterThanOrEqualTo(5);
            for (int i = 0; i < checkpoints.size(); i++) {
                Checkpoint c = checkpoints.get(i);
                assertThat(c.root()).isEqualTo(Merkle.root(recomputed, c.size()));
                if (i > 0) {
                    Checkpoint before = checkpoints.get(i - 1);
                    Merkle.verifyConsistency(before.size(), c.size(), before.root(), c.root(), log.consistencyProof(before.size(), c.size()));
                }
            }
            Checkpoint last = checkpoints.get(checkpoints.size() - 1);
            Random random = new Random(1);
            for (int k = 0; k < 50; k++) {
                long i = random.nextInt((int) last.size());
                Merkle.verifyInclusion(Merkle.leafHash(entries.get((int) i)), i, last.size(), log.inclusionProof(i, last.size()), last.root());
            }
            assertThat(log.verify().ok()).isTrue();
        }
        // Reopened, it goes on from where it was.
        try (MerkleLog log = MerkleLog.open(dir, "spoke.example/browse", key, EVERY_100, Clock.systemUTC())) {
            assertThat(log.size()).isEqualTo(1000);
            assertThat(log.append("after the restart".getBytes(StandardCharsets.UTF_8))).isEqualTo(1000);
            entries.add("after the restart".getBytes(StandardCharsets.UTF_8));
            assertThat(log.root(1001)).isEqualTo(Merkle.root(MerkleTest.nodes(entries), 1001));
            LogVerification v = log.verify();
            assertThat(v.ok()).as(v.problem()).isTrue();
            assertThat(v.entries()).isEqualTo(1001);
        }
    }

    @Test
    void verifyFindsAnEditedRemovedInsertedOrReorderedEntryAndABadCheckpoint() throws Exception {
        Path original = tmp.resolve("original");
        try (MerkleLog log = MerkleLog.open(original, "spoke.example/browse", key, EVERY_100, Clock.systemUTC())) {
            for (long i = 0; i < 350; i++) {
                log.append(entry(i));
            }
            assertThat(log.verify().ok()).isTrue();
        }
        assertFirstBad(original, db -> put(db, MerkleLog.key('e', 37), "{\"who\":\"someone else\"}".getBytes()), 37);
        assertFirstBad(original, db -> delete(db, MerkleLog.key('e', 200)), 200);
        assertFirstBad(original, db -> {
            byte[] ten = get(db, MerkleLog.key('e', 10));
            put(db, MerkleLog.key('e', 10), get(db, MerkleLog.key('e', 11)));
            put(db, MerkleLog.key('e', 11), ten);
        }, 10);
        assertFirstBad(original, db -> { // an entry slipped in at 120, the rest moved up one
            for (long i = 350; i > 120; i--) {
                put(db, MerkleLog.key('e', i), get(db, MerkleLog.key('e', i - 1)));
            }
            put(db, MerkleLog.key('e', 120), "{\"who\":\"nobody\"}".getBytes());
        }, 120);
        // Edited with every hash over it rewritten to match: only the signed checkpoint of 200 can tell, so the
        // change is placed after the last checkpoint that still holds (100).
        assertFirstBad(original, db -> {
            List<byte[]> entries = new ArrayList<>();
            for (long i = 0; i < 350; i++) {
                entries.add(get(db, MerkleLog.key('e', i)));
            }
            entries.set(150, "{\"who\":\"rewritten\"}".getBytes());
            put(db, MerkleLog.key('e', 150), entries.get(150));
            Merkle.Nodes nodes = MerkleTest.nodes(entries);
            for (int level = 0; (1L << level) <= 350; level++) {
                for (long index = 0; (index + 1) << level <= 350; index++) {
                    put(db, MerkleLog.nodeKey(level, index), hash(nodes, level, index));
                }
            }
        }, 100);
        assertFirstBad(original, db -> {
            byte[] note = get(db, MerkleLog.key('c', 300));
            put(db, MerkleLog.key('c', 300), new String(note, StandardCharsets.UTF_8).replace("\n300\n", "\n299\n").getBytes());
        }, 200);
    }

    private void assertFirstBad(Path original, Consumer<RocksDB> tamper, long firstBad) throws Exception {
        Path copy = tmp.resolve("copy-" + firstBad + "-" + System.nanoTime());
        Files.createDirectories(copy);
        try (var files = Files.list(original)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        try (Options options = new Options(); RocksDB db = RocksDB.open(options, copy.toString())) {
            tamper.accept(db);
        }
        try (MerkleLog log = MerkleLog.open(copy, "spoke.example/browse", key, EVERY_100, Clock.systemUTC())) {
            LogVerification v = log.verify();
            assertThat(v.ok()).as("tampering found").isFalse();
            assertThat(v.firstBad()).as(v.problem()).isEqualTo(firstBad);
        }
    }

    private static byte[] hash(Merkle.Nodes nodes, int level, long index) {
        try {
            return nodes.hash(level, index);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] get(RocksDB db, byte[] key) {
        try {
            return db.get(key);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(RocksDB db, byte[] key, byte[] value) {
        try {
            db.put(key, value);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(RocksDB db, byte[] key) {
        try {
            db.delete(key);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }
}
