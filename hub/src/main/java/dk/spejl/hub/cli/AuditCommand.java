package dk.spejl.hub.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.hub.access.AccessLog;
import dk.spejl.hub.HubConfig;
import dk.spejl.log.MerkleLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code spejl-hub audit}: the hub's access audit log, read beside the running hub. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Verifies and lists the hub's access audit log: every request, decision, grant, revocation, expiry and refusal.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditCommand() {
    }

    static MerkleLog open(Path config) throws Exception {
        HubConfig c = HubConfig.read(config);
        return AccessLog.openReadOnly(c.dataDir(), c.keysDir().resolve(dk.spejl.hub.trust.HubKeys.AUDIT_LOG_KEY), c.hubId());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Reads the whole access log back and checks every entry against its hashes and the signed checkpoints:",
                    "an edited, removed, inserted or reordered entry, or a checkpoint that does not match, is found.",
                    "Safe beside a running hub. Exit codes: 0 verified, 1 not (the first bad index is printed), 2 cannot run."})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            try (MerkleLog log = open(config)) {
                return log.verify().report(System.out, System.err);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists access-log entries, oldest first, as text or JSON (one object a line): who (user, role, region,",
                    "spoke), the action, the request, record and grant, and the outcome. Safe beside a running hub."})
    static final class ListEntries implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;
        @Option(names = "--owner", description = "Only entries about records of this owner region (and its grants).")
        String owner;
        @Option(names = "--request", description = "Only entries of this request (req-N).")
        String request;
        @Option(names = "--json", description = "One JSON object a line, as stored, with its index.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (MerkleLog log = open(config)) {
                long shown = 0;
                for (long i = 0; i < log.size(); i++) {
                    JsonNode e = JSON.readTree(log.entry(i).orElseThrow(() -> new IOException("the access log has a gap; run spejl-hub audit verify")));
                    boolean ownerMatches = owner == null || owner.equals(e.path("owner").asText())
                            || (e.path("action").asText().startsWith("GRANT") && owner.equals(e.path("region").asText()));
                    if (!ownerMatches || (request != null && !request.equals(e.path("request").asText()))) {
                        continue;
                    }
                    shown++;
                    if (json) {
                        System.out.println(JSON.createObjectNode().put("index", i).setAll((ObjectNode) e));
                    } else {
                        System.out.printf("%7d  %s  %-12s %-24s %-10s %-8s %-16s %-10s %s%n", i, e.path("at").asText(), e.path("action").asText(),
                                e.path("user").asText() + "@" + e.path("region").asText(), e.path("role").asText().toLowerCase(),
                                e.path("request").asText("-"), e.path("record").asText("-"), e.path("grant").asText("-"),
                                e.path("outcome").asText() + (e.hasNonNull("reason") ? " (" + e.path("reason").asText() + ")" : ""));
                    }
                }
                if (!json) {
                    System.out.printf("%d of %d entries%n", shown, log.size());
                }
                return 0;
            }
        }
    }
}
