package dk.spejl.bench;

import dk.spejl.spoke.auth.Passwords;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.TokenStore;
import dk.spejl.spoke.auth.UserStore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** A benchmark's own login at a spoke it enrolled: a clinician "bench" and a bearer token, as an admin's script would make them. */
final class BenchLogin {
    private BenchLogin() {
    }

    /** The {@code Authorization} header value for the spoke whose data dir is {@code dataDir}. */
    static String bearer(Path dataDir) throws Exception {
        UserStore users = new UserStore(dataDir, Clock.systemUTC());
        if (users.find("bench").isEmpty()) {
            char[] password = java.util.UUID.randomUUID().toString().toCharArray();
            users.add("bench", Set.of(Role.CLINICIAN), new Passwords(1, 60_000).hash(password));
        }
        return "Bearer " + new TokenStore(dataDir, Clock.systemUTC()).create("bench", "benchmark", Optional.of(Duration.ofDays(1))).token();
    }
}
