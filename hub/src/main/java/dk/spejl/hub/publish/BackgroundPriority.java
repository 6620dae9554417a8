package dk.spejl.hub.publish;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Lowers the scheduling priority of the calling thread, for bulk background work such as
 * writing a snapshot. On a small host the hub's latency-critical threads (publishing, the gRPC
 * event loops) then get a core the moment they wake, instead of waiting out the background
 * thread's time slice. Java has no API for a thread's nice value, so this asks {@code renice}
 * for the thread's own task id (from {@code /proc/thread-self}); lowering one's own priority
 * needs no privilege. Where that is not possible the thread simply keeps its priority.
 */
public final class BackgroundPriority {
    private static final Logger log = LoggerFactory.getLogger(BackgroundPriority.class);
    /** The nice value of background threads: the lowest priority that still runs when cores are idle. */
    public static final int NICE = 19;

    private BackgroundPriority() {
    }

    /** Returns whether the calling thread now runs at the background priority. */
    public static boolean lowerCurrentThread() {
        String name = Thread.currentThread().getName();
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            String tid = self.getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!renice.waitFor(5, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                log.info("thread {} keeps its priority: renice did not finish", name);
                return false;
            }
            if (renice.exitValue() != 0) {
                log.info("thread {} keeps its priority: renice exited with {}", name, renice.exitValue());
                return false;
            }
            log.debug("thread {} (task {}) runs at nice {}", name, tid, NICE);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            log.info("thread {} keeps its priority: {}", name, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
