package dk.spejl.hub.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's command line as the tests run it: in this JVM, with what it prints captured. */
final class CliFixture {
    private CliFixture() {
    }

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int code = HubCli.commandLine().execute(args);
            return new Run(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** {@code spejl-hub init} of hub ngc-test in {@code dir}, on ports the system picks, with a root key under {@code tmp}. */
    static Run init(Path tmp, Path dir) throws Exception {
        return cli("init", "--dir", dir.toString(), "--hub-id", "ngc-test", "--replication-address", "127.0.0.1:0",
                "--admin-address", "127.0.0.1:0", "--ops-address", "127.0.0.1:0", "--root-key", rootKey(tmp).toString(),
                "--passphrase-file", passphrase(tmp).toString());
    }

    /** A new hub directory whose config file names a fixed free admin port, so the CLI finds the service through it. */
    static Path initWithAdminPort(Path tmp, Path dir, int admin) throws Exception {
        assertThat(init(tmp, dir).code()).isEqualTo(0);
        Path conf = dir.resolve("hub.conf");
        Files.writeString(conf, Files.readString(conf).replace("admin.address = 127.0.0.1:0", "admin.address = 127.0.0.1:" + admin));
        return conf;
    }

    static Path rootKey(Path tmp) {
        return tmp.resolve("offline/root.key");
    }

    static Path passphrase(Path tmp) throws Exception {
        Path file = tmp.resolve("offline/passphrase");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "a long test passphrase\n");
        }
        return file;
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
