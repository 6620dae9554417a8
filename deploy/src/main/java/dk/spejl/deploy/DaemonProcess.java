package dk.spejl.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A hub or spoke running as its own JVM, with its output in a log file: what an operator runs,
 * and what the crash tests kill.
 */
public final class DaemonProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    /** Where this run's output starts in the log: a daemon restarted on the same log appends to it. */
    private final long logStart;

    private DaemonProcess(String name, Process process, Path log, long logStart) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /** Starts {@code mainClass} on this JVM's own classpath. */
    public static DaemonProcess start(String name, Path log, List<String> jvmOptions, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return run(name, log, command, Map.of());
    }

    /** A spoke's heap and collector when bin/spejl-spoke does not choose them: the same as that script's defaults. */
    public static final List<String> SPOKE_JVM = List.of("-Xms32m", "-Xmx256m", "-XX:+UseParallelGC");

    /**
     * {@code defaults} followed by {@code own}, as the scripts put them, less a default collector when {@code own} names
     * one: a JVM given two collectors does not start. (A heap size in {@code own} comes later and wins.)
     */
    public static List<String> jvmOptions(List<String> defaults, List<String> own) {
        boolean ownCollector = own.stream().anyMatch(DaemonProcess::collector);
        List<String> options = new ArrayList<>();
        defaults.stream().filter(o -> !(ownCollector && collector(o))).forEach(options::add);
        options.addAll(own);
        return options;
    }

    private static boolean collector(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC");
    }

    /**
     * {@code spejl-spoke} with {@code args}: the distribution's {@code bin/spejl-spoke} when {@code home}
     * holds one, as an operator runs it (its default heap, its class archive); else its main class on this
     * JVM's class path with {@link #SPOKE_JVM}. {@code jvmOptions} come after either.
     */
    public static DaemonProcess spoke(Path home, String name, Path log, List<String> jvmOptions, String... args) throws IOException {
        return daemon(home, "spejl-spoke", SPOKE_JVM, "dk.spejl.spoke.SpokeCli", name, log, jvmOptions, args);
    }

    /** {@code spejl-hub} with {@code args}, as {@link #spoke} runs a spoke (with no default heap). */
    public static DaemonProcess hub(Path home, String name, Path log, List<String> jvmOptions, String... args) throws IOException {
        return daemon(home, "spejl-hub", List.of(), "dk.spejl.hub.cli.HubCli", name, log, jvmOptions, args);
    }

    /**
     * {@code bin/<script>} of the distribution at {@code home}, with {@code jvmOptions} in {@code JAVA_OPTS};
     * without one, {@code mainClass} on this JVM's class path with {@code defaults} and then {@code jvmOptions}.
     */
    private static DaemonProcess daemon(Path home, String script, List<String> defaults, String mainClass, String name, Path log,
                                        List<String> jvmOptions, String... args) throws IOException {
        Path file = home == null ? null : home.resolve("bin").resolve(script);
        if (file != null && Files.exists(file)) {
            List<String> command = new ArrayList<>(List.of("bash", file.toString()));
            command.addAll(List.of(args));
            return run(name, log, command, Map.of("JAVA_OPTS", String.join(" ", jvmOptions)));
        }
        return start(name, log, jvmOptions(defaults, jvmOptions), mainClass, args);
    }

    private static DaemonProcess run(String name, Path log, List<String> command, Map<String, String> environment) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        // RocksDB extracts its native library into this directory under a fixed name, replaced at each start,
        // instead of into a new temporary file that a killed process leaves behind (17 MB each). The
        // distribution's scripts load it from lib/native instead.
        Path nativeDir = Files.createDirectories(log.toAbsolutePath().getParent().resolve("native-" + name));
        builder.environment().putIfAbsent("ROCKSDB_SHAREDLIB_DIR", nativeDir.toString());
        Process process = builder.start();
        return new DaemonProcess(name, process, log, logStart);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** Waits until this run's part of the log holds {@code text}; false if the process died or time ran out. */
    public boolean awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && thisRunsLog().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Waits for the process to end by itself and returns its exit code (-1 if it did not end in time). */
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL: no shutdown hooks, no flushing, as a crash or an OOM killer would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** What this run has written to the log so far (the file may hold earlier runs' output before it). */
    private String thisRunsLog() throws IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(log)) {
            channel.position(Math.min(logStart, channel.size()));
            return new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** SIGTERM without waiting: {@link #close} or {@link #stop} then waits. */
    public void requestStop() {
        process.destroy();
    }

    /** SIGTERM, then wait for a clean stop. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(15));
        }
    }
}
