package dk.spejl.hub.cli;

import dk.spejl.config.Commands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spejl-hub}: the NGC operators' command line. One class per subcommand, in this package. */
@Command(name = "spejl-hub", mixinStandardHelpOptions = true, version = "spejl-hub 0.1.0",
        description = "Runs and operates the Spejl hub, which publishes signed revisions of the genome catalogue.",
        subcommands = {InitCommand.class, ServeCommand.class, IngestCommand.class, StatusCommand.class,
                EnrollCommand.class, RevokeSpokeCommand.class, EnrollOperatorCommand.class, RevokeOperatorCommand.class, KeysCommand.class, CheckCommand.class, AuditCommand.class, AccessCommand.class, AccessCommand.Grants.class, GenerateCommand.class, FingerprintCommand.class,
                BackupCommand.class, RestoreCommand.class,
                CommandLine.HelpCommand.class})
public final class HubCli {
    @CommandLine.Option(names = Commands.VERBOSE, scope = CommandLine.ScopeType.INHERIT,
            description = "When a command fails, print the full error with its stack trace, not only its one line.")
    boolean verbose;

    public static void main(String[] args) {
        Commands.run(new HubCli(), args);
    }

    /** The command line as main runs it: a failure prints one clear line and exits with 2. */
    public static CommandLine commandLine() {
        return Commands.commandLine(new HubCli());
    }
}
