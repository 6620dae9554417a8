package dk.spejl.config;

import picocli.CommandLine;

/** How both daemons' command lines start and fail. */
public final class Commands {
    /** The exit code of a command that could not do its work. */
    public static final int FAILED = 2;

    private Commands() {
    }

    /** The option every command takes, declared once on each program's root command (inherited by the rest). */
    public static final String VERBOSE = "--verbose";

    /**
     * The command line as {@code main} runs it: a failure prints one clear line,
     * {@code <program> <command>: <what went wrong>}, and exits with {@link #FAILED}; the stack trace
     * only with {@link #VERBOSE}.
     */
    public static CommandLine commandLine(Object root) {
        CommandLine line = new CommandLine(root);
        String program = line.getCommandName();
        return line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(program + " " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (verbose(parsed)) {
                e.printStackTrace(cmd.getErr());
            }
            return FAILED;
        });
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return false;
    }

    /** Runs a daemon's command line and exits with its code. */
    public static void run(Object root, String[] args) {
        Daemons.beforeStart();
        System.exit(commandLine(root).execute(args));
    }
}
