package dk.spejl.spoke;

import dk.spejl.spoke.auth.TokenStore;
import dk.spejl.spoke.auth.UserStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code spejl-spoke tokens}: bearer tokens for scripts, each acting as one local user, in {@code tokens.json}. */
@Command(name = "tokens", mixinStandardHelpOptions = true,
        description = {"Manages bearer tokens for scripts that use the spoke's API (Authorization: Bearer <token>).",
                "A token acts as its user, with the user's roles, while the user is enabled. It is shown once, at creation;",
                "the spoke keeps only its SHA-256. Exit codes: 0 done, 1 refused (the reason is printed), 2 cannot run."},
        subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand {
    abstract static class TokenAction implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        @Override
        public Integer call() throws Exception {
            Path data = SpokeConfig.read(config).dataDir();
            return run(new TokenStore(data, Clock.systemUTC()), new UserStore(data, Clock.systemUTC()));
        }

        abstract int run(TokenStore tokens, UserStore users) throws Exception;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Makes a token for a local user and prints it once, on standard output (the only line written there).")
    static final class Create extends TokenAction {
        @Option(names = "--user", required = true, description = "The local user the token acts as.")
        String user;
        @Option(names = "--label", defaultValue = "", description = "What the token is for, shown by 'list' (e.g. the script's name).")
        String label;
        @Option(names = "--days", description = "Days until the token expires (default: 90; 0 for never).", defaultValue = "90")
        int days;

        @Override
        int run(TokenStore tokens, UserStore users) throws Exception {
            Optional<UserStore.User> u = users.find(user);
            if (u.isEmpty()) {
                System.err.println("refused: there is no user " + user + " (add one with 'spejl-spoke users add')");
                return 1;
            }
            if (days < 0) {
                System.err.println("refused: --days is 0 (never expires) or more");
                return 1;
            }
            TokenStore.Created c = tokens.create(user, label, days == 0 ? Optional.empty() : Optional.of(Duration.ofDays(days)));
            System.out.println(c.token());
            System.err.println("token " + c.stored().id() + " for " + user + (u.get().disabled() ? " (the user is disabled: it works once enabled)" : "")
                    + c.stored().expires().map(e -> ", expires " + e).orElse(", never expires") + "; it is not shown again");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists tokens: id, user, label, created, expires, state (never the secret).")
    static final class ListTokens extends TokenAction {
        @Override
        int run(TokenStore tokens, UserStore users) throws Exception {
            Instant now = Instant.now();
            System.out.printf("%-12s  %-16s  %-20s  %-20s  %-20s  %s%n", "ID", "USER", "LABEL", "CREATED", "EXPIRES", "STATE");
            for (TokenStore.Token t : tokens.list()) {
                String state = t.revoked().map(r -> "revoked " + r).orElse(t.live(now) ? "live" : "expired");
                System.out.printf("%-12s  %-16s  %-20s  %-20s  %-20s  %s%n", t.id(), t.user(), t.label(), t.created().toString().substring(0, 19),
                        t.expires().map(e -> e.toString().substring(0, 19)).orElse("never"), state);
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a token at once, also for a running spoke.")
    static final class Revoke extends TokenAction {
        @Parameters(index = "0", description = "The token's id (from 'list').")
        String id;

        @Override
        int run(TokenStore tokens, UserStore users) throws Exception {
            if (!tokens.revoke(id)) {
                System.err.println("refused: there is no token " + id);
                return 1;
            }
            System.err.println("revoked token " + id);
            return 0;
        }
    }
}
