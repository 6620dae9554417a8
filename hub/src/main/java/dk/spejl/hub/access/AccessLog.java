package dk.spejl.hub.access;

import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The hub's access audit log on disk: {@code <data>/access}, with its checkpoints signed by a key of its own,
 * {@code <data>/access-log.key}, made at the first start and never rotated (checkpoints signed with the rotating
 * online key would no longer verify after a rotation); and the thread that expires approvals whose time is up.
 */
public final class AccessLog {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    public static final String DIR = "access";
    public static final String KEY_FILE = "access-log.key";
    private static final MerkleLog.Policy CHECKPOINTS = new MerkleLog.Policy(1_000, Duration.ofSeconds(10));

    private AccessLog() {
    }

    /** The origin line of the log's signed checkpoints. */
    public static String origin(String hubId) {
        return hubId + "/" + DIR;
    }

    /** Opens (or creates, with a new key) the access log of hub {@code hubId} in {@code dataDir}. */
    public static MerkleLog open(Path dataDir, String hubId, Clock clock) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        if (!Files.exists(file)) {
            if (Files.exists(dataDir.resolve(DIR))) {
                throw new IOException("the access log at " + dataDir.resolve(DIR) + " has lost its key " + file
                        + "; put the key back (from a backup) before the hub starts");
            }
            Files.createDirectories(dataDir);
            KeyFiles.writePrivate(file, Ed25519.generate(new SecureRandom()));
        }
        return MerkleLog.open(dataDir.resolve(DIR), origin(hubId), KeyFiles.readPrivate(file), CHECKPOINTS, clock);
    }

    /** The log as it is on disk, to read beside the running hub (never made here). */
    public static MerkleLog openReadOnly(Path dataDir, String hubId) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        if (!Files.exists(dataDir.resolve(DIR).resolve("CURRENT")) || !Files.exists(file)) {
            throw new IOException("there is no access log at " + dataDir.resolve(DIR) + " with its key " + file
                    + " (the hub writes them from its first start)");
        }
        return MerkleLog.openReadOnly(dataDir.resolve(DIR), origin(hubId), KeyFiles.readPrivate(file).publicKey());
    }

    /** Expires the approvals whose time is up, every {@code interval}, on a thread of its own. */
    public static ScheduledExecutorService expireEvery(AccessBook access, Duration interval) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-access-expiry");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                int expired = access.expire();
                if (expired > 0) {
                    log.info("{} working-copy approval(s) expired", expired);
                }
            } catch (IOException | RuntimeException e) {
                log.error("could not expire working-copy approvals: {}; tried again in {}", e.toString(), interval, e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return scheduler;
    }
}
