package dk.spejl.spoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.browse.BrowseLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code spejl-spoke audit}: the spoke's browse log, read beside the running spoke. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Verifies and lists the spoke's browse log: every search, record view and subject view, with who, what, when and the outcome.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditCommand() {
    }

    static MerkleLog open(Path config) throws Exception {
        SpokeConfig c = SpokeConfig.read(config);
        Path dir = c.dataDir().resolve(BrowseLog.DIR);
        if (!Files.exists(dir.resolve("CURRENT"))) {
            throw new java.io.IOException("there is no browse log at " + dir + " (the spoke writes it from its first start)");
        }
        return MerkleLog.openReadOnly(dir, BrowseLog.origin(c.name()), BrowseLog.key(c.dataDir()).publicKey());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Reads the whole browse log back and checks every entry against its hashes and the signed checkpoints:",
                    "an edited, removed, inserted or reordered entry, or a checkpoint that does not match, is found.",
                    "Safe beside a running spoke. Exit codes: 0 verified, 1 not (the first bad index is printed), 2 cannot run."})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            try (MerkleLog log = open(config)) {
                return log.verify().report(System.out, System.err);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists browse-log entries, oldest first, as text or JSON (one object a line), filtered by user, record,",
                    "subject and time. Safe beside a running spoke."})
    static final class ListEntries implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;
        @Option(names = "--user", description = "Only entries of this user.")
        String user;
        @Option(names = "--record", description = "Only entries that showed this record id.")
        String record;
        @Option(names = "--subject", description = "Only entries that looked at this subject pseudonym (a subject view, or free text naming it).")
        String subject;
        @Option(names = "--since", description = "Only entries at or after this instant (e.g. 2026-12-01T08:00:00Z).")
        Instant since;
        @Option(names = "--until", description = "Only entries before this instant.")
        Instant until;
        @Option(names = "--json", description = "One JSON object a line, as stored, with its index.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (MerkleLog log = open(config)) {
                long shown = 0;
                for (long i = 0; i < log.size(); i++) {
                    byte[] raw = log.entry(i).orElseThrow(() -> new java.io.IOException("the browse log has a gap; run spejl-spoke audit verify"));
                    JsonNode e = JSON.readTree(raw);
                    if (!matches(e)) {
                        continue;
                    }
                    shown++;
                    if (json) {
                        System.out.println(JSON.createObjectNode().put("index", i).setAll((com.fasterxml.jackson.databind.node.ObjectNode) e));
                    } else {
                        System.out.printf("%7d  %s  %-16s %-8s %-6s %s  hits %d  shown %d  revision %d%n", i, e.path("at").asText(),
                                e.path("who").path("user").asText(), e.path("action").asText(), e.path("outcome").asText(),
                                e.path("what").path("path").asText() + query(e.path("what").path("query")), e.path("hits").asLong(),
                                e.path("shown").size(), e.path("revision").asLong());
                    }
                }
                if (!json) {
                    System.out.printf("%d of %d entries%n", shown, log.size());
                }
                return 0;
            }
        }

        private boolean matches(JsonNode e) {
            if (user != null && !user.equals(e.path("who").path("user").asText())) {
                return false;
            }
            if (record != null) {
                boolean found = false;
                for (JsonNode id : e.path("shown")) {
                    found |= id.asText().equals(record);
                }
                if (!found) {
                    return false;
                }
            }
            String path = e.path("what").path("path").asText();
            if (subject != null && !(path.equals("/api/v1/subjects/" + subject) || path.equals("/subjects/" + subject)
                    || e.path("what").path("query").path("q").toString().contains(subject))) {
                return false;
            }
            Instant at = Instant.parse(e.path("at").asText());
            return (since == null || !at.isBefore(since)) && (until == null || at.isBefore(until));
        }

        private static String query(JsonNode query) {
            StringBuilder s = new StringBuilder();
            query.fields().forEachRemaining(f -> f.getValue().forEach(v -> s.append(s.length() == 0 ? "?" : "&").append(f.getKey()).append('=')
                    .append(v.asText())));
            return s.toString();
        }
    }
}
