package dk.spejl.spoke.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * Signing in with a local user's name and password ({@link UserStore}, {@link Passwords}), with {@link Lockout}
 * after repeated failures. Every outcome is counted in {@code spejl_spoke_logins_total} by outcome.
 */
public final class LocalLogin {
    private static final Logger log = LoggerFactory.getLogger(LocalLogin.class);
    /** Checked when the name is no user, so that a wrong name takes as long as a wrong password. */
    private static final String NOBODY = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE";

    private final UserStore users;
    private final Passwords passwords;
    private final Lockout lockout;
    private final MeterRegistry metrics;

    /** What a login came to. */
    public sealed interface Outcome {
        /** @param version when the user was last changed: a session ends when its user changes (a new password, say) */
        record SignedIn(Caller caller, Instant version) implements Outcome { }

        /** The name or the password is wrong, or the user is disabled: the page says only that. */
        record Refused() implements Outcome { }

        record Locked(Instant until) implements Outcome { }

        record Busy() implements Outcome { }
    }

    public LocalLogin(UserStore users, Passwords passwords, Lockout lockout, MeterRegistry metrics) {
        this.users = users;
        this.passwords = passwords;
        this.lockout = lockout;
        this.metrics = metrics;
    }

    public Outcome login(String typed, char[] password) throws IOException {
        // A name that cannot be a user is counted under one key: anonymous attempts cannot fill the lockout's memory.
        String name = UserStore.isName(typed) ? typed : "(not a user name)";
        try {
            Optional<Instant> locked = lockout.begin(name);
            if (locked.isPresent()) {
                count("locked");
                return new Outcome.Locked(locked.get());
            }
            Optional<UserStore.User> user = UserStore.isName(typed) ? users.find(name) : Optional.empty();
            boolean matches;
            try {
                matches = passwords.verify(password, user.map(UserStore.User::passwordHash).orElse(NOBODY)) && user.isPresent();
            } catch (Passwords.Busy e) {
                lockout.uncount(name); // not checked, so not a failure
                count("busy");
                return new Outcome.Busy();
            }
            if (!matches || user.get().disabled()) {
                String reason = user.isEmpty() ? "unknown_user" : !matches ? "wrong_password" : "disabled";
                count(reason);
                log.info("login refused for '{}': {}", name, reason.replace('_', ' '));
                return lockout.lockedUntil(name).<Outcome>map(Outcome.Locked::new).orElse(new Outcome.Refused());
            }
            lockout.succeeded(name);
            if (Passwords.outdated(user.get().passwordHash())) {
                rehash(name, user.get().passwordHash(), password);
            }
            count("signed_in");
            log.info("{} signed in ({})", name, user.get().roles());
            return new Outcome.SignedIn(new Caller(name, user.get().roles(), "local"), user.get().changed());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** A hash made with weaker parameters than new ones get is made again from the password just checked. */
    private void rehash(String name, String old, char[] password) {
        try {
            if (users.rehash(name, old, passwords.hash(password))) {
                log.info("{}'s password hash was made with weaker parameters than new ones; it is hashed again", name);
            }
        } catch (Passwords.Busy | IOException e) {
            log.warn("could not hash {}'s password again: {}", name, e.toString());
        }
    }

    private void count(String outcome) {
        Counter.builder("spejl_spoke_logins_total").description("web logins by outcome (signed_in, wrong_password, unknown_user, "
                + "disabled, locked, busy)").tag("outcome", outcome).register(metrics).increment();
    }
}
