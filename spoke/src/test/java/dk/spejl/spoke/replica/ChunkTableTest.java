package dk.spejl.spoke.replica;

import dk.spejl.verify.MalformedException;
import dk.spejl.wire.ChunkRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.SstFileWriter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkTableTest {
    @TempDir
    Path tmp;

    private Path table(String name, List<String> keys, String deleted) throws Exception {
        Path file = tmp.resolve(name);
        try (EnvOptions env = new EnvOptions(); Options options = new Options(); SstFileWriter writer = new SstFileWriter(env, options)) {
            writer.open(file.toString());
            for (String key : keys) {
                if (key.equals(deleted)) {
                    writer.delete(key.getBytes(StandardCharsets.UTF_8));
                } else {
                    writer.put(key.getBytes(StandardCharsets.UTF_8), ("value of " + key).getBytes(StandardCharsets.UTF_8));
                }
            }
            writer.finish();
        }
        return file;
    }

    private static ChunkRef ref(int entries, String first, String last) {
        return ChunkRef.newBuilder().setEntryCount(entries).setFirstId(first).setLastId(last).build();
    }

    @Test
    void aTableOfTheIndexedRecordsPasses() throws Exception {
        Path file = table("ok.sst", List.of("r/a", "r/b", "r/c"), null);
        assertThatCode(() -> ChunkTable.check(file, ref(3, "a", "c"))).doesNotThrowAnyException();
    }

    @Test
    void aTableWithMoreOrFewerEntriesThanItsIndexSaysIsRefused() throws Exception {
        Path file = table("count.sst", List.of("r/a", "r/b", "r/c"), null);
        assertThatThrownBy(() -> ChunkTable.check(file, ref(2, "a", "c"))).isInstanceOf(MalformedException.class).hasMessageContaining("3 entries");
        assertThatThrownBy(() -> ChunkTable.check(file, ref(4, "a", "c"))).isInstanceOf(MalformedException.class);
    }

    @Test
    void aTableWhoseBoundsDifferFromItsIndexIsRefused() throws Exception {
        Path file = table("bounds.sst", List.of("r/a", "r/b", "r/c"), null);
        assertThatThrownBy(() -> ChunkTable.check(file, ref(3, "a", "b"))).isInstanceOf(MalformedException.class).hasMessageContaining("bounds");
        assertThatThrownBy(() -> ChunkTable.check(file, ref(3, "b", "c"))).isInstanceOf(MalformedException.class).hasMessageContaining("bounds");
    }

    @Test
    void aTableWithKeysOutsideTheRecordsIsRefused() throws Exception {
        // "m/revision" sorts before "r/": a chunk must not overwrite the replica's own metadata.
        Path file = table("meta.sst", List.of("m/revision", "r/a", "r/b"), null);
        assertThatThrownBy(() -> ChunkTable.check(file, ref(3, "a", "b"))).isInstanceOf(MalformedException.class);
    }

    @Test
    void aTableHoldingADeletionIsRefused() throws Exception {
        Path file = table("delete.sst", List.of("r/a", "r/b", "r/c"), "r/b");
        assertThatThrownBy(() -> ChunkTable.check(file, ref(3, "a", "c"))).isInstanceOf(MalformedException.class).hasMessageContaining("deletions");
    }

    @Test
    void bytesThatAreNotATableAreRefused() throws Exception {
        Path file = Files.write(tmp.resolve("junk.sst"), "not a table at all".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ChunkTable.check(file, ref(1, "a", "a"))).isInstanceOf(MalformedException.class).hasMessageContaining("not a readable table");
    }
}
