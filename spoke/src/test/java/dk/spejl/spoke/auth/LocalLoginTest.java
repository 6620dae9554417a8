package dk.spejl.spoke.auth;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A local login against a real user file: a hash of weaker parameters is made again at the next login. */
class LocalLoginTest {
    @TempDir
    Path tmp;

    @Test
    void aWeakerHashIsMadeAgainAtTheNextLoginAndTheSessionKeepsTheNewVersion() throws Exception {
        UserStore users = new UserStore(tmp, Clock.systemUTC());
        byte[] salt = "weaksaltweaksalt".getBytes(StandardCharsets.US_ASCII);
        byte[] hash = Passwords.raw("korrekt-hest-batteri".getBytes(StandardCharsets.UTF_8), salt, null, null, 1024, 1, 1, 32);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        String weak = "$argon2id$v=19$m=1024,t=1,p=1$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        users.add("gammel", Set.of(Role.CLINICIAN), weak);
        java.time.Instant changed = users.find("gammel").orElseThrow().changed();
        assertThat(Passwords.outdated(weak)).isTrue();
        LocalLogin login = new LocalLogin(users, new Passwords(1, 10_000), new Lockout(Clock.systemUTC()), new SimpleMeterRegistry());
        LocalLogin.Outcome outcome = login.login("gammel", "korrekt-hest-batteri".toCharArray());
        assertThat(outcome).isInstanceOf(LocalLogin.Outcome.SignedIn.class);
        UserStore.User after = users.find("gammel").orElseThrow();
        assertThat(after.passwordHash()).isNotEqualTo(weak).startsWith("$argon2id$v=19$m=" + Passwords.MEMORY_KIB + ",t=" + Passwords.ITERATIONS);
        assertThat(after.changed()).as("nothing the admin set changed, so the user's sessions go on").isEqualTo(changed);
        assertThat(((LocalLogin.Outcome.SignedIn) outcome).version()).isEqualTo(changed);
        // A reset made between the check and the rehash wins.
        assertThat(users.rehash("gammel", weak, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE"))
                .as("the stored hash is no longer the one checked").isFalse();
        assertThat(new Passwords(1, 10_000).verify("korrekt-hest-batteri".toCharArray(), after.passwordHash())).isTrue();
        assertThat(login.login("gammel", "korrekt-hest-batteri".toCharArray())).isInstanceOf(LocalLogin.Outcome.SignedIn.class);
        assertThat(login.login("gammel", "wrong".toCharArray())).isInstanceOf(LocalLogin.Outcome.Refused.class);
        assertThat(login.login("x".repeat(10_000), "wrong".toCharArray())).as("a name no user can have").isInstanceOf(LocalLogin.Outcome.Refused.class);
    }
}
