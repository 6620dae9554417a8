package dk.spejl.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataFormatTest {
    @TempDir
    Path tmp;

    private static final DataFormat.Upgrade NONE = (dir, from) -> {
        throw new AssertionError("no upgrade expected");
    };

    @Test
    void aNewDirectoryAndOneFromBeforeFormatFilesAreMarkedAsTodaysFormat() throws Exception {
        assertThat(DataFormat.check(tmp.resolve("new"), "spejl-hub", 1, NONE)).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("new").resolve(DataFormat.FILE))).isEqualTo("spejl-hub 1\n");
        Files.createDirectories(tmp.resolve("old").resolve("catalogue"));
        assertThat(DataFormat.check(tmp.resolve("old"), "spejl-hub", 1, NONE)).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("old").resolve(DataFormat.FILE))).isEqualTo("spejl-hub 1\n");
        assertThat(DataFormat.check(tmp.resolve("old"), "spejl-hub", 1, NONE)).as("again: nothing to do").isEqualTo(1);
    }

    @Test
    void aNewerFormatIsRefusedAndChangesNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve(DataFormat.FILE), "spejl-spoke 3\n");
        assertThatThrownBy(() -> DataFormat.check(dir, "spejl-spoke", 1, NONE)).isInstanceOf(DataFormat.NewerFormat.class)
                .hasMessageContaining("format 3, written by a newer Spejl", "reads formats up to 1", "restore a backup");
        assertThat(Files.readString(dir.resolve(DataFormat.FILE))).isEqualTo("spejl-spoke 3\n");
        Files.writeString(dir.resolve(DataFormat.FILE), "spejl-hub 1\n");
        assertThatThrownBy(() -> DataFormat.check(dir, "spejl-spoke", 1, NONE)).hasMessageContaining("not a spejl-spoke data directory");
        Files.writeString(dir.resolve(DataFormat.FILE), "spejl-spoke one\n");
        assertThatThrownBy(() -> DataFormat.check(dir, "spejl-spoke", 1, NONE)).hasMessageContaining("not a number");
    }

    @Test
    void anUnmarkedDirectoryOfTheOtherDaemonIsRefusedAndNotMarked() throws Exception {
        Path spoke = Files.createDirectories(tmp.resolve("spoke").resolve("replica"));
        assertThatThrownBy(() -> DataFormat.check(spoke.getParent(), "spejl-hub", 1, NONE)).hasMessageContaining("holds replica", "check data.dir");
        assertThat(spoke.getParent().resolve(DataFormat.FILE)).doesNotExist();
        Path hub = Files.createDirectories(tmp.resolve("hub").resolve("catalogue"));
        assertThatThrownBy(() -> DataFormat.check(hub.getParent(), "spejl-spoke", 1, NONE)).hasMessageContaining("holds catalogue");
    }

    @Test
    void theLockKeepsASecondUserOutUntilItIsReleased() throws Exception {
        Path dir = tmp.resolve("d");
        try (java.io.Closeable held = DataFormat.lock(dir)) {
            assertThatThrownBy(() -> DataFormat.lock(dir)).hasMessageContaining("in use by another process");
        }
        DataFormat.lock(dir).close();
    }

    @Test
    void anOlderFormatIsUpgradedStepByStepAndMarkedAfterEach() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve(DataFormat.FILE), "spejl-spoke 1\n");
        List<String> steps = new ArrayList<>();
        assertThat(DataFormat.check(dir, "spejl-spoke", 3, (d, from) -> {
            steps.add(from + "→" + (from + 1) + " at " + Files.readString(d.resolve(DataFormat.FILE)).strip());
            return "step " + from;
        })).isEqualTo(1);
        assertThat(steps).containsExactly("1→2 at spejl-spoke 1", "2→3 at spejl-spoke 2");
        assertThat(Files.readString(dir.resolve(DataFormat.FILE))).isEqualTo("spejl-spoke 3\n");
    }
}
