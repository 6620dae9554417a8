package dk.spejl.spoke;

import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.UserStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code spejl-spoke users}: the spoke's local users (login mode "local"), in {@code users.json} in its data dir. */
@Command(name = "users", mixinStandardHelpOptions = true,
        description = {"Manages the spoke's local users. Changes take effect at the next login, also while the spoke runs.",
                "Passwords are read from the terminal (twice), or with --password-stdin as one line from standard input,",
                "and stored as Argon2id hashes. Exit codes: 0 done, 1 refused (the reason is printed), 2 cannot run."},
        subcommands = {UsersCommand.Add.class, UsersCommand.Passwd.class, UsersCommand.Disable.class, UsersCommand.Enable.class,
                UsersCommand.ListUsers.class, UsersCommand.Roles.class})
final class UsersCommand {
    static final int MIN_PASSWORD = 12;
    static final int MAX_PASSWORD = 256;

    abstract static class UserAction implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;

        UserStore store() throws Exception {
            return new UserStore(SpokeConfig.read(config).dataDir(), Clock.systemUTC());
        }

        @Override
        public Integer call() throws Exception {
            try {
                run(store());
                return 0;
            } catch (UserStore.UserException | IllegalArgumentException e) {
                System.err.println("refused: " + e.getMessage());
                return 1;
            }
        }

        abstract void run(UserStore users) throws Exception;
    }

    /** A command about one user, named first. */
    abstract static class OfUser extends UserAction {
        @Parameters(index = "0", description = "The user's name: 2 to 64 of a-z, 0-9, '.', '_' and '-'.")
        String name;
    }

    abstract static class WithPassword extends OfUser {
        @Option(names = "--password-stdin", description = "Read the password as one line from standard input (for scripts).")
        boolean fromStdin;

        String newHash() throws Exception {
            char[] password = password();
            try {
                if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
                    throw new IllegalArgumentException("a password has " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters");
                }
                return new Passwords(1, 60_000).hash(password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }

        private char[] password() throws Exception {
            if (fromStdin) {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null) {
                    throw new IllegalArgumentException("no password on standard input");
                }
                return line.toCharArray();
            }
            java.io.Console console = System.console();
            if (console == null) {
                throw new IllegalArgumentException("no terminal to read the password from; give it with --password-stdin");
            }
            char[] first = console.readPassword("password: ");
            char[] second = console.readPassword("again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new IllegalArgumentException("the two passwords differ");
            }
            Arrays.fill(second, '\0');
            return first;
        }
    }

    static Set<Role> roles(List<String> spelt) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        spelt.forEach(r -> roles.add(Role.parse(r)));
        return roles;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Adds a user with one or more roles and a password.")
    static final class Add extends WithPassword {
        @Option(names = "--role", required = true, description = "clinician, steward or admin (repeatable).")
        List<String> roles;

        @Override
        void run(UserStore users) throws Exception {
            Set<Role> given = roles(roles);
            users.add(name, given, newHash());
            System.out.println("added " + name + " (" + given.stream().map(Role::spelling).collect(Collectors.joining(", ")) + ")");
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Sets a user's password.")
    static final class Passwd extends WithPassword {

        @Override
        void run(UserStore users) throws Exception {
            users.setPassword(name, newHash());
            System.out.println("password of " + name + " changed");
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Stops a user from logging in (sessions end at their next request).")
    static final class Disable extends OfUser {

        @Override
        void run(UserStore users) throws Exception {
            users.setDisabled(name, true);
            System.out.println(name + " disabled");
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Lets a disabled user log in again.")
    static final class Enable extends OfUser {

        @Override
        void run(UserStore users) throws Exception {
            users.setDisabled(name, false);
            System.out.println(name + " enabled");
        }
    }

    @Command(name = "roles", mixinStandardHelpOptions = true, description = "Sets a user's roles (replacing the ones it had).")
    static final class Roles extends OfUser {
        @Option(names = "--role", required = true, description = "clinician, steward or admin (repeatable).")
        List<String> roles;

        @Override
        void run(UserStore users) throws Exception {
            Set<Role> given = roles(roles);
            users.setRoles(name, given);
            System.out.println(name + ": " + given.stream().map(Role::spelling).collect(Collectors.joining(", ")));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the users: name, roles, enabled or disabled, last change.")
    static final class ListUsers extends UserAction {
        @Override
        void run(UserStore users) throws Exception {
            List<UserStore.User> all = users.list();
            if (all.isEmpty()) {
                System.out.println("no local users (add one with: spejl-spoke users add NAME --role clinician --config ...)");
            }
            for (UserStore.User u : all) {
                System.out.printf("%-24s %-28s %-9s changed %s%n", u.name(),
                        u.roles().stream().map(Role::spelling).collect(Collectors.joining(",")), u.disabled() ? "disabled" : "enabled", u.changed());
            }
        }
    }

    private UsersCommand() {
    }
}
