package dk.spejl.spoke;

import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.UserStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code spejl-spoke users} as an admin runs it, against a user file in a temporary data dir. */
class UsersCommandTest {
    @TempDir
    Path tmp;

    /** The command with {@code --config} of a spoke whose data dir is in the test's directory. */
    private CliRun run(String stdin, String... args) throws Exception {
        Path conf = tmp.resolve("spoke.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, "spoke.name = s1\nhub.address = 127.0.0.1:7443\nhub.ca = ca.pem\nhub.root_fingerprint = SHA256:x\n"
                    + "tls.certificate = spoke.pem\ntls.private_key = spoke.key\ndata.dir = " + tmp.resolve("data") + "\n");
        }
        String[] full = java.util.Arrays.copyOf(args, args.length + 2);
        full[args.length] = "--config";
        full[args.length + 1] = conf.toString();
        return CliRun.run(stdin, full);
    }

    @Test
    void anAdminAddsListsChangesAndDisablesUsers() throws Exception {
        assertThat(run("", "users", "list").out()).contains("no local users");
        CliRun added = run("korrekt-hest-batteri\n", "users", "add", "anna.h", "--role", "clinician", "--password-stdin");
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(run("steward-password-1\n", "users", "add", "bo", "--role", "steward", "--role", "clinician", "--password-stdin").exit()).isZero();

        UserStore store = new UserStore(tmp.resolve("data"), java.time.Clock.systemUTC());
        UserStore.User anna = store.find("anna.h").orElseThrow();
        assertThat(anna.roles()).containsExactly(Role.CLINICIAN);
        Passwords passwords = new Passwords(1, 10_000);
        assertThat(passwords.verify("korrekt-hest-batteri".toCharArray(), anna.passwordHash())).isTrue();
        assertThat(Files.readString(store.file())).as("only hashes are stored").doesNotContain("korrekt-hest-batteri")
                .contains("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");

        assertThat(run("nyt-kodeord-2026\n", "users", "passwd", "anna.h", "--password-stdin").exit()).isZero();
        anna = store.find("anna.h").orElseThrow();
        assertThat(passwords.verify("korrekt-hest-batteri".toCharArray(), anna.passwordHash())).isFalse();
        assertThat(passwords.verify("nyt-kodeord-2026".toCharArray(), anna.passwordHash())).isTrue();

        assertThat(run("", "users", "roles", "anna.h", "--role", "admin").exit()).isZero();
        assertThat(run("", "users", "disable", "bo").exit()).isZero();
        assertThat(store.find("anna.h").orElseThrow().roles()).isEqualTo(EnumSet.of(Role.ADMIN));
        assertThat(store.find("bo").orElseThrow().disabled()).isTrue();
        String listed = run("", "users", "list").out();
        assertThat(listed).contains("anna.h").contains("admin").contains("bo").contains("disabled");
        assertThat(run("", "users", "enable", "bo").exit()).isZero();
        assertThat(store.find("bo").orElseThrow().disabled()).isFalse();
        assertThat(new ObjectMapper().readTree(store.file().toFile()).get("users")).hasSize(2);
    }

    @Test
    void badInputIsRefusedWithItsReasonAndChangesNothing() throws Exception {
        assertThat(run("korrekt-hest-batteri\n", "users", "add", "anna", "--role", "clinician", "--password-stdin").exit()).isZero();
        Path file = tmp.resolve("data").resolve(UserStore.FILE);
        String before = Files.readString(file);
        CliRun[] refused = {
                run("korrekt-hest-batteri\n", "users", "add", "anna", "--role", "clinician", "--password-stdin"),
                run("korrekt-hest-batteri\n", "users", "add", "Anna Hansen", "--role", "clinician", "--password-stdin"),
                run("kort\n", "users", "add", "carl", "--role", "clinician", "--password-stdin"),
                run("korrekt-hest-batteri\n", "users", "add", "carl", "--role", "doctor", "--password-stdin"),
                run("", "users", "add", "carl", "--role", "clinician"), // no terminal, no --password-stdin
                run("", "users", "disable", "nobody"),
                run("nyt-kodeord-2026\n", "users", "passwd", "nobody", "--password-stdin")};
        String[] reasons = {"already a user anna", "a user name is", "12 to 256 characters", "no role 'doctor'", "--password-stdin",
                "no user nobody", "no user nobody"};
        for (int i = 0; i < refused.length; i++) {
            assertThat(refused[i].exit()).as(reasons[i]).isEqualTo(1);
            assertThat(refused[i].err()).contains(reasons[i]);
        }
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void changesMadeAtOnceAreAllKept() throws Exception {
        UserStore store = new UserStore(tmp.resolve("data"), java.time.Clock.systemUTC());
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 8; t++) {
            int n = t;
            // Each its own store, as separate commands would be.
            UserStore own = new UserStore(tmp.resolve("data"), java.time.Clock.systemUTC());
            threads.add(new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        own.add("user-" + n + "-" + i, EnumSet.of(Role.CLINICIAN), dk.spejl.spoke.auth.PasswordsTestVectors.PINNED);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failed.get()).isZero();
        assertThat(store.list()).hasSize(80);
        try (var files = Files.list(tmp.resolve("data"))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void tokensAreShownOnceStoredHashedListedAndRevoked() throws Exception {
        assertThat(run("", "tokens", "create", "--user", "nobody").exit()).isEqualTo(1);
        assertThat(run("korrekt-hest-batteri\n", "users", "add", "script", "--role", "clinician", "--password-stdin").exit()).isZero();
        CliRun made = run("", "tokens", "create", "--user", "script", "--label", "nightly report", "--days", "30");
        assertThat(made.exit()).as(made.err()).isZero();
        String token = made.out().trim();
        assertThat(token).matches("spejl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        String id = token.substring(6, 18);
        String file = Files.readString(tmp.resolve("data").resolve(dk.spejl.spoke.auth.TokenStore.FILE));
        assertThat(file).as("only a digest is kept").doesNotContain(token.substring(19)).contains(id);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                tmp.resolve("data").resolve(dk.spejl.spoke.auth.TokenStore.FILE)))).isEqualTo("rw-------");
        dk.spejl.spoke.auth.TokenStore store = new dk.spejl.spoke.auth.TokenStore(tmp.resolve("data"), java.time.Clock.systemUTC());
        assertThat(store.verify(token)).isPresent();
        assertThat(store.verify(token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A"))).isEmpty();
        assertThat(run("", "tokens", "list").out()).contains(id).contains("script").contains("nightly report").contains("live")
                .doesNotContain(token.substring(19));
        assertThat(run("", "tokens", "revoke", "000000000000").exit()).isEqualTo(1);
        assertThat(run("", "tokens", "revoke", id).exit()).isZero();
        assertThat(store.verify(token)).as("revoked").isEmpty();
        assertThat(run("", "tokens", "list").out()).contains("revoked");
    }
}
