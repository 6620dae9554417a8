package dk.spejl.spoke;

import dk.spejl.config.Commands;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.replica.ReplicaCheck;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code spejl-spoke}: the regional HPC admins' command line. */
@Command(name = "spejl-spoke", mixinStandardHelpOptions = true, version = "spejl-spoke 0.1.0",
        description = "Runs and checks a Spejl spoke, a verified regional replica of the genome catalogue.",
        subcommands = {SpokeCli.Serve.class, SpokeCli.Verify.class, SpokeCli.Reindex.class, UsersCommand.class, TokensCommand.class, AuditCommand.class, RequestsCommand.class, CommandLine.HelpCommand.class})
public final class SpokeCli {
    @CommandLine.Option(names = Commands.VERBOSE, scope = CommandLine.ScopeType.INHERIT,
            description = "When a command fails, print the full error with its stack trace, not only its one line.")
    boolean verbose;

    public static void main(String[] args) {
        Commands.run(new SpokeCli(), args);
    }

    /** The command line as main runs it: a failure prints one clear line and exits with 2. */
    public static CommandLine commandLine() {
        return Commands.commandLine(new SpokeCli());
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Runs the spoke until stopped (SIGTERM or Ctrl-C): follows the hub, verifies and applies each revision,",
                    "and answers HTTP: /api/v1/status, /api/v1/records (search), /api/v1/records/{id}, /api/v1/subjects/{pseudonym},",
                    "/api/v1/counts, /metrics, /healthz, /readyz."})
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            SpokeConfig c = SpokeConfig.read(config);
            dk.spejl.config.LogFormat.from(config, dk.spejl.config.SpokeSettings.NAMES);
            Spoke spoke = c.toBuilder().start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                spoke.close();
                stopped.countDown();
            }, "spoke-shutdown"));
            System.out.println("spoke " + c.name() + " ready: http://" + spoke.httpAddress().getHostString() + ":"
                    + spoke.httpAddress().getPort() + "/api/v1/status");
            LoggerFactory.getLogger(SpokeCli.class).info("process up {} ms after its start ({})",
                    ProcessHandle.current().info().startInstant().map(t -> Duration.between(t, Instant.now()).toMillis()).orElse(-1L),
                    classArchive());
            stopped.await();
            return 0;
        }
    }

    /** The replica's directory under the config's data dir, or null when it holds no database yet. */
    static Path replicaRoot(SpokeConfig c) {
        Path root = c.dataDir().resolve("replica");
        return Files.exists(root.resolve("CURRENT")) ? root : null;
    }

    /** What bin/spejl-spoke says about the class archive (libexec/spejl-java.bash). */
    static String classArchive() {
        String archive = System.getProperty("spejl.class_archive", "");
        return switch (archive) {
            case "using" -> "started from the class archive";
            case "writing" -> "no class archive yet; writing one at exit";
            default -> "no class archive";
        };
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recomputes the state digest from every record in the replica and compares it with the signed manifest",
                    "the replica holds, and checks that manifest's signature and its key delegation up to the pinned root key.",
                    "Safe beside a running spoke.",
                    "Exit codes: 0 verified, 1 the replica does not match what was signed (the reason is printed), 2 cannot run."})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            SpokeConfig c = SpokeConfig.read(config);
            Path root = replicaRoot(c);
            if (root == null) {
                System.err.println("not verified: the replica at " + c.dataDir().resolve("replica") + " is empty");
                return 1;
            }
            dk.spejl.spoke.sync.HeldDelegation delegation;
            try {
                delegation = new dk.spejl.spoke.sync.HeldDelegation(c.dataDir().resolve(Spoke.TRUST_FILE), c.rootFingerprint());
            } catch (java.io.IOException e) {
                System.err.println("NOT verified: " + e.getMessage());
                return 1;
            }
            try (Replica replica = Replica.openReadOnly(root)) {
                ReplicaCheck.Outcome outcome = ReplicaCheck.run(replica, c.rootFingerprint(), delegation.current());
                (outcome.ok() ? System.out : System.err).println((outcome.ok() ? "verified: " : "NOT verified: ") + outcome.message());
                return outcome.ok() ? 0 : 1;
            }
        }
    }

    @Command(name = "reindex", mixinStandardHelpOptions = true,
            description = {"Rebuilds the search index from the replica, with the spoke stopped (a running spoke holds the index's lock,",
                    "and the command then changes nothing). A running spoke rebuilds an index that is behind by itself at start;",
                    "this is for an index that was damaged or removed by hand.",
                    "Exit codes: 0 rebuilt, 1 the replica is empty or the index is in use, 2 cannot run."})
    static final class Reindex implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            SpokeConfig c = SpokeConfig.read(config);
            Path root = replicaRoot(c);
            if (root == null) {
                System.err.println("not rebuilt: the replica at " + c.dataDir().resolve("replica") + " is empty; there is nothing to index");
                return 1;
            }
            long started = System.nanoTime();
            try (Replica replica = Replica.openReadOnly(root)) {
                long records = dk.spejl.spoke.search.SearchIndex.reindex(c.dataDir().resolve(Spoke.INDEX_DIR), replica);
                System.out.printf("rebuilt the search index at revision %d: %d records in %.1f s%n",
                        replica.state().orElseThrow().revision(), records, (System.nanoTime() - started) / 1e9);
                return 0;
            } catch (org.apache.lucene.store.LockObtainFailedException e) {
                System.err.println("not rebuilt: the search index at " + c.dataDir().resolve(Spoke.INDEX_DIR)
                        + " is in use; stop the spoke first");
                return 1;
            }
        }
    }
}
