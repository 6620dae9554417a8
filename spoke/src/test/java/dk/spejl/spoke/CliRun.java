package dk.spejl.spoke;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** {@code spejl-spoke} run in this JVM as an admin runs it: its exit code and what it printed, with {@code stdin} as its input. */
record CliRun(int exit, String out, String err) {
    static CliRun run(String stdin, String... args) {
        return run(SpokeCli::commandLine, stdin, args);
    }

    /** {@code spejl-hub}, as an NGC operator runs it. */
    static CliRun hub(String... args) {
        return run(dk.spejl.hub.cli.HubCli::commandLine, "", args);
    }

    /** The command line is made after the streams are swapped: it writes to the streams in place when it is made. */
    private static CliRun run(java.util.function.Supplier<picocli.CommandLine> command, String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = command.get().execute(args);
            return new CliRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
            System.setErr(err);
        }
    }
}
