package dk.spejl.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What bin/spejl-spoke adds to the JVM (libexec/spejl-java.bash). A class archive: the first run
 * writes it as it exits, later runs start from it, and an archive the JVM cannot use never stops a
 * start. A default heap, unless JAVA_OPTS sets one. Runs the real script on a distribution laid out
 * from this build's jars.
 */
class DistributionScriptTest {
    @TempDir
    Path tmp;

    private Path dist;
    private Path archives;

    @BeforeEach
    void layOutDistribution() throws Exception {
        dist = tmp.resolve("spejl");
        archives = tmp.resolve("cds");
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("libexec"));
        Files.createDirectories(dist.resolve("lib"));
        Files.copy(Path.of("src/main/dist/bin/spejl-spoke"), dist.resolve("bin/spejl-spoke"));
        Files.copy(Path.of("src/main/dist/libexec/spejl-java.bash"), dist.resolve("libexec/spejl-java.bash"));
        boolean spokeJar = false;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(jar)) {
                Path target = dist.resolve("lib").resolve(jar.getFileName());
                try {
                    Files.createLink(target, jar.toAbsolutePath());
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    Files.copy(jar, target);
                }
                spokeJar |= jar.getFileName().toString().startsWith("spejl-spoke-");
            }
        }
        // Under "mvn test" alone the spoke module is a directory of classes, not a jar; "mvn verify" (CI) runs this.
        Assumptions.assumeTrue(spokeJar, "the spoke module is not packaged as a jar in this build");
    }

    private record Run(int exitCode, String output) {
    }

    private Run spoke(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", dist.resolve("bin/spejl-spoke").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA", ProcessHandle.current().info().command().orElse("java"));
        builder.environment().put("SPEJL_CDS_DIR", archives.toString());
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("SPEJL_CDS");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }

    /** The archives and parts of archives, without the size an adopted archive's is recorded in. */
    private List<String> archiveFiles() throws Exception {
        if (!Files.isDirectory(archives)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(archives)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".size")).sorted().toList();
        }
    }

    /** Keeps the first half of a file, as a kill during its write or a full disk would. */
    private static void cutInHalf(Path file) throws Exception {
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
    }

    /** A crashed JVM writes hs_err_pid*.log into its working directory, which the spoke shares with this test. */
    private static void assertNoCrashReport(String why) throws Exception {
        try (Stream<Path> here = Files.list(Path.of(""))) {
            assertThat(here.map(p -> p.getFileName().toString())).as(why).noneMatch(n -> n.startsWith("hs_err"));
        }
    }

    /** Classes that came from the archive's dynamic layer, as -Xlog:class+load reports them. */
    private static long archivedClasses(Run run) {
        return run.output().lines().filter(l -> l.contains(" dk.spejl.spoke.SpokeCli source: shared objects file (top)")).count();
    }

    @Test
    void theFirstRunWritesTheArchiveAndLaterRunsStartFromIt() throws Exception {
        Map<String, String> logClasses = Map.of("JAVA_OPTS", "-Xlog:class+load");
        Run first = spoke(logClasses, "--version");
        assertThat(first.exitCode()).isZero();
        assertThat(first.output()).contains("spejl-spoke 0.1.0");
        assertThat(archivedClasses(first)).isZero();
        assertThat(archiveFiles()).singleElement().asString().matches("spejl-spoke-\\d+\\.jsa\\.\\d+");

        Run second = spoke(logClasses, "--version");
        assertThat(second.exitCode()).isZero();
        assertThat(archivedClasses(second)).as("SpokeCli loaded from the archive").isEqualTo(1);
        assertThat(archiveFiles()).singleElement().asString().matches("spejl-spoke-\\d+\\.jsa");

        // Other JVM options make another archive: one written for these options may not fit others.
        assertThat(spoke(Map.of("JAVA_OPTS", "-Xmx128m"), "--version").exitCode()).isZero();
        assertThat(archiveFiles()).hasSize(2);
    }

    @Test
    void anArchiveTheJvmCannotUseNeverStopsAStartAndPrintsNothing() throws Exception {
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        Path archive = archives.resolve(archiveFiles().get(0));
        // As long as the adopted one, so that it is the JVM, not the script's size check, that declines it.
        byte[] garbage = new byte[Math.toIntExact(Files.size(archive))];
        java.util.Arrays.fill(garbage, (byte) 'x');
        Files.write(archive, garbage);
        Run run = spoke(Map.of(), "--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).isEqualTo("spejl-spoke 0.1.0\n");
    }

    @Test
    void anArchiveCutShortByAKillDuringItsWriteIsDiscardedNotAdopted() throws Exception {
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        Path part = archives.resolve(archiveFiles().get(0));
        cutInHalf(part);
        Run run = spoke(Map.of(), "--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).isEqualTo("spejl-spoke 0.1.0\n");
        assertNoCrashReport("the trial JVM leaves no crash report");
        // The cut part is gone, and this run wrote a new one in its place.
        assertThat(archiveFiles()).singleElement().asString().matches("spejl-spoke-\\d+\\.jsa\\.\\d+").isNotEqualTo(part.getFileName().toString());
    }

    @Test
    void anAdoptedArchiveCutShortLaterIsDroppedAndTheStartGoesOn() throws Exception {
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        Path archive = archives.resolve(archiveFiles().get(0));
        assertThat(archive.getFileName().toString()).endsWith(".jsa");
        cutInHalf(archive);
        Run run = spoke(Map.of(), "--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).isEqualTo("spejl-spoke 0.1.0\n");
        assertNoCrashReport("no JVM crashed");
        assertThat(archive).doesNotExist();
        assertThat(archiveFiles()).as("this run wrote a new part").singleElement().asString().matches("spejl-spoke-\\d+\\.jsa\\.\\d+");
    }

    @Test
    void theTrialBeforeAdoptionLeavesTheOperatorsOutputsAlone() throws Exception {
        // Unified logging rotates an existing log file when a JVM starts: two runs make gc.log and gc.log.0.
        // A trial JVM that took this option too would have made a third.
        Path gcLog = tmp.resolve("gc.log");
        Map<String, String> logging = Map.of("JAVA_OPTS", "-Xlog:gc:file=" + gcLog);
        assertThat(spoke(logging, "--version").exitCode()).isZero();
        Run second = spoke(logging, "--version");
        assertThat(second.exitCode()).isZero();
        assertThat(archiveFiles()).as("the part was adopted").singleElement().asString().endsWith(".jsa");
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gc.log"))).containsExactlyInAnyOrder("gc.log", "gc.log.0");
        }
    }

    @Test
    void anArchiveARunningProcessIsStillWritingIsLeftAlone() throws Exception {
        // A part named after a live process (this JVM) may be half written: it is neither adopted nor deleted.
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        String written = archiveFiles().get(0);
        String name = written.substring(0, written.lastIndexOf('.'));
        Files.delete(archives.resolve(written));
        Path live = archives.resolve(name + "." + ProcessHandle.current().pid());
        Files.writeString(live, "still being written");
        assertThat(spoke(Map.of(), "--version").exitCode()).isZero();
        assertThat(Files.readString(live)).isEqualTo("still being written");
        assertThat(archives.resolve(name)).doesNotExist();
    }

    @Test
    void offMeansNoArchive() throws Exception {
        Run run = spoke(Map.of("SPEJL_CDS", "off"), "--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).contains("spejl-spoke 0.1.0");
        assertThat(archiveFiles()).isEmpty();
    }

    private static long maxHeap(Run run) {
        return run.output().lines().filter(l -> l.contains(" MaxHeapSize ")).mapToLong(l -> Long.parseLong(l.replaceAll(".*= *(\\d+).*", "$1")))
                .findFirst().orElseThrow();
    }

    @Test
    void theSpokeGetsItsDefaultHeapUnlessJavaOptsSetsOne() throws Exception {
        Run defaults = spoke(Map.of("JAVA_OPTS", "-XX:+PrintFlagsFinal"), "--version");
        assertThat(defaults.exitCode()).isZero();
        assertThat(maxHeap(defaults)).isEqualTo(256L << 20);
        assertThat(defaults.output()).containsPattern(" InitialHeapSize +:?= +" + (32L << 20) + " ");
        Run own = spoke(Map.of("JAVA_OPTS", "-Xmx128m -XX:+PrintFlagsFinal"), "--version");
        assertThat(maxHeap(own)).isEqualTo(128L << 20);
        Run percentage = spoke(Map.of("JAVA_OPTS", "-XX:MaxRAMPercentage=1 -XX:+PrintFlagsFinal"), "--version");
        assertThat(maxHeap(percentage)).isNotEqualTo(256L << 20);
    }

    @Test
    void theSpokeGetsTheParallelCollectorUnlessJavaOptsNamesOne() throws Exception {
        Run defaults = spoke(Map.of("JAVA_OPTS", "-XX:+PrintFlagsFinal"), "--version");
        assertThat(defaults.exitCode()).isZero();
        assertThat(defaults.output()).containsPattern(" UseParallelGC +:?= +true ").containsPattern(" UseG1GC +:?= +false ");
        // One named in JAVA_OPTS is the only one: two would stop the JVM before it starts.
        Run own = spoke(Map.of("JAVA_OPTS", "-XX:+UseG1GC -XX:+PrintFlagsFinal"), "--version");
        assertThat(own.exitCode()).as(own.output()).isZero();
        assertThat(own.output()).containsPattern(" UseG1GC +:?= +true ").containsPattern(" UseParallelGC +:?= +false ");
        // An option that only mentions collection is not a collector.
        Run logging = spoke(Map.of("JAVA_OPTS", "-XX:+UseCompressedOops -XX:+PrintFlagsFinal"), "--version");
        assertThat(logging.output()).containsPattern(" UseParallelGC +:?= +true ");
    }

    @Test
    void theDefaultCollectorGivesWayToOneAmongADaemonsOptions() {
        assertThat(DaemonProcess.jvmOptions(DaemonProcess.SPOKE_JVM, List.of("-XX:+UseSerialGC", "-Xmx1g")))
                .containsExactly("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Xmx1g");
        assertThat(DaemonProcess.jvmOptions(DaemonProcess.SPOKE_JVM, List.of("-XX:+PrintGC")))
                .containsExactly("-Xms32m", "-Xmx256m", "-XX:+UseParallelGC", "-XX:+PrintGC");
    }

    @Test
    void theJvmGetsTwoMallocArenasUnlessTheEnvironmentSaysOtherwise() throws Exception {
        // A stand-in for java that prints what the script gave it.
        Path java = tmp.resolve("print-env-java");
        Files.writeString(java, "#!/usr/bin/env bash\necho \"MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Run defaults = spoke(Map.of("JAVA", java.toString(), "SPEJL_CDS", "off", "MALLOC_ARENA_MAX", ""), "--version");
        assertThat(defaults.output().trim()).isEqualTo("MALLOC_ARENA_MAX=2");
        Run own = spoke(Map.of("JAVA", java.toString(), "SPEJL_CDS", "off", "MALLOC_ARENA_MAX", "4"), "--version");
        assertThat(own.output().trim()).isEqualTo("MALLOC_ARENA_MAX=4");
    }
}
