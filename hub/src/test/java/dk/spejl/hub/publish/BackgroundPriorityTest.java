package dk.spejl.hub.publish;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@EnabledOnOs(OS.LINUX)
class BackgroundPriorityTest {
    @Test
    void onlyTheCallingThreadIsLowered() throws Exception {
        AtomicReference<Boolean> lowered = new AtomicReference<>();
        AtomicInteger backgroundNice = new AtomicInteger(Integer.MIN_VALUE);
        Thread background = new Thread(() -> {
            lowered.set(BackgroundPriority.lowerCurrentThread());
            backgroundNice.set(niceOfCurrentThread());
        });
        background.start();
        background.join();

        assertThat(lowered.get()).isTrue();
        assertThat(backgroundNice.get()).isEqualTo(BackgroundPriority.NICE);
        assertThat(niceOfCurrentThread()).isNotEqualTo(BackgroundPriority.NICE);
    }

    /** Field 19 of /proc/thread-self/stat; the command name before it is in parentheses and may hold spaces. */
    private static int niceOfCurrentThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[16]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
