package dk.spejl.bench;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.spoke.search.RecordDocuments;
import dk.spejl.wire.Record;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Debian's PostgreSQL 15, in a cluster of its own in a temporary directory, on a loopback port. */
final class Postgres implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private final Path data;
    private final int port;

    private Postgres(Path data, int port) {
        this.data = data;
        this.port = port;
    }

    /** PostgreSQL refuses to run as root: then its commands run as the {@code postgres} user Debian's package made. */
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    static Postgres start(Path ignored) throws Exception {
        if (!Files.exists(BIN.resolve("postgres"))) {
            run(List.of("apt-get", "install", "-y", "postgresql-15"));
        }
        int port = SearchBench.freePort();
        // Its own directory, which the postgres user can reach (a JVM temporary directory is root's alone).
        Path data = Files.createTempDirectory(Path.of("/tmp"), "spejl-bench-pg");
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        if (ROOT) {
            run(List.of("chown", "postgres:postgres", data.toString()));
        }
        run(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "bench", "--auth=trust", "-E", "UTF8", "--no-locale"));
        Files.writeString(data.resolve("postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\nport = " + port
                + "\nunix_socket_directories = '" + data + "'\nshared_buffers = 1GB\nwork_mem = 64MB\nmaintenance_work_mem = 1GB"
                + "\nfsync = off\nsynchronous_commit = off\nmax_connections = 50\njit = off\n", java.nio.file.StandardOpenOption.APPEND);
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("log").toString(), "-w", "start"));
        return new Postgres(data, port);
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "bench", "");
    }

    /** The same records in one table, B-tree indexes on every filter column, pg_trgm GIN for the free text. */
    void load(List<Record> catalogue) throws Exception {
        try (Connection c = connect(); var s = c.createStatement()) {
            s.execute("CREATE EXTENSION pg_trgm");
            s.execute("CREATE TABLE records (id text PRIMARY KEY, subject text, sample text, owner_region text, owner_unit text, "
                    + "file_format text, file_role text, platform text, sample_kind text, library_strategy text, reference_genome text, "
                    + "status text, data_use text[], produced_on int, size_bytes bigint, words text, body text)");
            StringBuilder csv = new StringBuilder();
            var copy = new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class));
            int n = 0;
            for (Record r : catalogue) {
                csv.append(field(r.getId())).append(',').append(field(r.getSubjectPseudonym())).append(',').append(field(r.getSamplePseudonym()))
                        .append(',').append(field(r.getOwnerRegion())).append(',').append(field(r.getOwnerUnit())).append(',')
                        .append(field(RecordJson.spell(r.getFileFormat().getValueDescriptor()))).append(',').append(field(r.getFileRole()))
                        .append(',').append(field(RecordJson.spell(r.getPlatform().getValueDescriptor()))).append(',')
                        .append(field(RecordJson.spell(r.getSampleKind().getValueDescriptor()))).append(',').append(field(r.getLibraryStrategy()))
                        .append(',').append(field(r.getReferenceGenome())).append(',').append(field(RecordJson.spell(r.getStatus().getValueDescriptor())))
                        .append(',').append(field("{" + String.join(",", r.getDataUseList()) + "}")).append(',')
                        .append(RecordDocuments.month(r.getProducedOn())).append(',').append(r.getSizeBytes()).append(',')
                        .append(field(String.join(" ", r.getPipeline(), r.getInstrumentModel(), r.getBasecaller(), r.getOwnerUnit())
                                .toLowerCase(Locale.ROOT))).append(',').append(field(RecordJson.of(r).toString())).append('\n');
                if (++n % 50_000 == 0) {
                    copy.copyIn("COPY records FROM STDIN WITH (FORMAT csv)", new java.io.StringReader(csv.toString()));
                    csv.setLength(0);
                }
            }
            copy.copyIn("COPY records FROM STDIN WITH (FORMAT csv)", new java.io.StringReader(csv.toString()));
            for (String column : List.of("subject", "sample", "owner_region", "owner_unit", "file_format", "file_role", "platform",
                    "sample_kind", "library_strategy", "reference_genome", "status", "produced_on", "size_bytes")) {
                s.execute("CREATE INDEX ON records (" + column + ")");
            }
            s.execute("CREATE INDEX ON records (lower(id) text_pattern_ops)");
            s.execute("CREATE INDEX ON records (lower(subject) text_pattern_ops)");
            s.execute("CREATE INDEX ON records (lower(sample) text_pattern_ops)");
            s.execute("CREATE INDEX ON records USING gin (data_use)");
            s.execute("CREATE INDEX ON records USING gin (words gin_trgm_ops)");
            s.execute("VACUUM ANALYZE records");
        }
    }

    private static String field(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    private static void run(List<String> command) throws Exception {
        List<String> as = new ArrayList<>();
        if (ROOT && command.get(0).startsWith(BIN.toString())) {
            as.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        as.addAll(command);
        Process p = new ProcessBuilder(as).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws Exception {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
        SearchBench.deleteTree(data);
    }
}
