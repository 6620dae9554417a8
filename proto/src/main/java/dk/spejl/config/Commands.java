package dk.spejl.config;

import picocli.CommandLine;

/** How both daemons' command lines start and fail. */
public final class Commands {
    /** The exit code of a command that could not do its work. */
    public static final int FAILED = 2;

    private Commands() {
    }

    /**
     * The command line as {@code main} runs it: a failure prints one clear line,
     * {@code <program> <command>: <what went wrong>}, and exits with {@link #FAILED}, never a stack trace.
     */
    public static CommandLine commandLine(Object root) {
        CommandLine line = new CommandLine(root);
        String program = line.getCommandName();
        return line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(program + " " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return FAILED;
        });
    }

    /** Runs a daemon's command line and exits with its code. */
    public static void run(Object root, String[] args) {
        Daemons.beforeStart();
        System.exit(commandLine(root).execute(args));
    }
}
