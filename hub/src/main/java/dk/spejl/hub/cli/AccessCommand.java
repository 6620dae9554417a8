package dk.spejl.hub.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.AccessRequest;
import dk.spejl.hub.access.requests.AuditEntry;
import dk.spejl.hub.access.requests.Grant;
import dk.spejl.log.MerkleLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code spejl-hub access} and {@code spejl-hub grants}: the working-copy requests and the grants as the access log's
 * entries make them, read beside the running hub (the log is replayed read-only; nothing is changed).
 */
@Command(name = "access", mixinStandardHelpOptions = true,
        description = "Lists and shows working-copy requests, as the access audit log makes them. Safe beside a running hub.",
        subcommands = {AccessCommand.ListRequests.class, AccessCommand.Show.class})
final class AccessCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AccessCommand() {
    }

    /** The book the log on disk makes, opened read-only (it never asks the catalogue: nothing is submitted). */
    static <T> T read(Path config, java.util.function.Function<AccessBook, T> what) throws Exception {
        try (MerkleLog log = AuditCommand.open(config)) {
            return what.apply(AccessBook.open(log, id -> Optional.empty(), AccessBook.Policy.DEFAULT, Clock.systemUTC()));
        }
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static ObjectNode json(AccessRequest r) {
        ObjectNode o = JSON.createObjectNode().put("id", r.id()).put("record_id", r.recordId()).put("owner_region", r.ownerRegion())
                .put("checksum", r.checksum()).put("requester", r.requester().user()).put("requester_region", r.requester().region())
                .put("requester_spoke", r.requester().spoke()).put("purpose", r.purpose()).put("state", lower(r.state()));
        r.grant().ifPresent(g -> o.put("grant_id", g));
        r.expires().ifPresent(x -> o.put("expires", x.toString()));
        ArrayNode history = o.putArray("history");
        for (AuditEntry e : r.history()) {
            ObjectNode h = history.addObject().put("at", e.at()).put("action", lower(e.action())).put("user", e.user())
                    .put("role", lower(e.role())).put("region", e.region()).put("outcome", e.outcome().toLowerCase(Locale.ROOT));
            if (e.reason() != null) {
                h.put("reason", e.reason());
            }
        }
        return o;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists the requests, oldest first: id, state, record, owner, requester and when it was last changed.",
                    "The episode reference and justification are shown only by 'access show'."})
    static final class ListRequests implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;
        @Option(names = "--owner", description = "Only requests for records of this owner region.")
        String owner;
        @Option(names = "--state", description = "Only requests in this state: submitted, approved, denied, returned, cancelled, "
                + "delivered, expired or revoked.")
        String state;
        @Option(names = "--json", description = "One JSON object a line.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (state != null && java.util.Arrays.stream(AccessRequest.State.values()).noneMatch(s -> lower(s).equals(state))) {
                System.err.println("--state must be one of submitted, approved, denied, returned, cancelled, delivered, expired, revoked");
                return 2;
            }
            List<AccessRequest> requests = read(config, AccessBook::requests).stream()
                    .filter(r -> owner == null || owner.equals(r.ownerRegion()))
                    .filter(r -> state == null || lower(r.state()).equals(state)).toList();
            for (AccessRequest r : requests) {
                if (json) {
                    System.out.println(json(r));
                } else {
                    System.out.printf("%-10s %-10s %-18s %-12s %-28s %s%n", r.id(), lower(r.state()), r.recordId(), r.ownerRegion(),
                            r.requester().user() + "@" + r.requester().region(), r.history().get(r.history().size() - 1).at());
                }
            }
            if (!json) {
                System.out.printf("%d request(s)%n", requests.size());
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows one request with its whole history, as JSON.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The hub's config file.")
        Path config;
        @Parameters(index = "0", paramLabel = "ID", description = "The request's id (req-N).")
        String id;

        @Override
        public Integer call() throws Exception {
            Optional<AccessRequest> found = read(config, book -> book.requests().stream().filter(r -> r.id().equals(id)).findFirst());
            if (found.isEmpty()) {
                System.err.println("no request " + id + " in the access log");
                return 1;
            }
            AccessRequest r = found.get();
            System.out.println(json(r).put("episode", r.episode()).put("justification", r.justification()).toPrettyString());
            return 0;
        }
    }

    /** {@code spejl-hub grants}. */
    @Command(name = "grants", mixinStandardHelpOptions = true,
            description = "Lists the owners' standing grants, as the access audit log makes them. Safe beside a running hub.",
            subcommands = {Grants.ListGrants.class})
    static final class Grants {
        @Command(name = "list", mixinStandardHelpOptions = true,
                description = "Lists the grants: id, owner, grantee, scope, validity, who made it, and whether it is revoked.")
        static final class ListGrants implements Callable<Integer> {
            @Option(names = "--config", required = true, description = "The hub's config file.")
            Path config;
            @Option(names = "--owner", description = "Only grants of this owner region.")
            String owner;
            @Option(names = "--json", description = "One JSON object a line.")
            boolean json;

            @Override
            public Integer call() throws Exception {
                List<Grant> grants = read(config, AccessBook::grants).stream().filter(g -> owner == null || owner.equals(g.ownerRegion())).toList();
                for (Grant g : grants) {
                    String grantee = g.granteeRegion() + g.granteeUser().map(u -> " (" + u + ")").orElse("");
                    String scope = !g.scope().recordIds().isEmpty() ? "records " + String.join(",", g.scope().recordIds())
                            : "units " + g.scope().ownerUnits() + " formats " + g.scope().fileFormats() + " roles " + g.scope().fileRoles()
                            + " kinds " + g.scope().sampleKinds();
                    if (json) {
                        ObjectNode o = JSON.createObjectNode().put("id", g.id()).put("owner_region", g.ownerRegion())
                                .put("grantee_region", g.granteeRegion()).put("scope", scope).put("purpose", g.purpose())
                                .put("valid_from", g.validFrom().toString()).put("valid_to", g.validTo().toString())
                                .put("approval_days", g.approvalLifetime().toDays()).put("made_by", g.madeBy().user() + "@" + g.madeBy().region())
                                .put("made_at", g.madeAt().toString()).put("reason", g.reason()).put("revoked", g.revoked().isPresent());
                        g.granteeUser().ifPresent(u -> o.put("grantee_user", u));
                        g.revoked().ifPresent(x -> o.put("revoked_by", x.by().user() + "@" + x.by().region()).put("revoked_at", x.at().toString()));
                        System.out.println(o);
                    } else {
                        System.out.printf("%-10s %-12s -> %-24s %s, %s to %s, by %s%s%n", g.id(), g.ownerRegion(), grantee, scope,
                                g.validFrom(), g.validTo(), g.madeBy().user() + "@" + g.madeBy().region(),
                                g.revoked().map(x -> ", REVOKED " + x.at() + " by " + x.by().user()).orElse(""));
                    }
                }
                if (!json) {
                    System.out.printf("%d grant(s)%n", grants.size());
                }
                return 0;
            }
        }
    }
}
