package dk.spejl.hub.access;

import dk.spejl.hub.access.requests.AccessBook;
import com.google.protobuf.ByteString;
import dk.spejl.hub.replication.ManifestFeed;
import dk.spejl.log.Checkpoint;
import dk.spejl.log.Merkle;
import dk.spejl.log.MerkleLog;
import dk.spejl.log.SignedNote;
import dk.spejl.wire.AuditCheckpoint;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
import dk.spejl.wire.KeyDelegation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The hub's access audit log on disk, {@code <data>/access}, with its checkpoints signed by a key of its own,
 * {@code <keys>/access-log.key}: made with the first key delegation, named by every delegation since (so spokes can
 * check the checkpoints under the root they pin) and never rotated, since a checkpoint must verify for as long as the
 * log is kept. Also the thread that expires approvals whose time is up.
 */
public final class AccessLog {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    public static final String DIR = "access";
    public static final MerkleLog.Policy CHECKPOINTS = new MerkleLog.Policy(1_000, Duration.ofSeconds(10));

    private AccessLog() {
    }

    /** The origin line of the log's signed checkpoints. */
    public static String origin(String hubId) {
        return hubId + "/" + DIR;
    }

    /**
     * Opens (or creates) the access log of hub {@code hubId} in {@code dataDir}, signing its checkpoints with the
     * key in {@code keyFile} (which {@code spejl-hub init} and {@code keys rotate} make), which {@code delegation} must
     * name. A delegation made before delegations named it names none: the hub then says that the spokes cannot
     * witness the log until the next rotation.
     */
    public static MerkleLog open(Path dataDir, Path keyFile, String hubId, KeyDelegation delegation, MerkleLog.Policy policy,
                                 Clock clock) throws IOException {
        if (!Files.exists(keyFile) && Files.exists(dataDir.resolve(keyFile.getFileName()))) {
            // Where the key was kept before delegations named it.
            throw new IOException("the access log's key is at " + dataDir.resolve(keyFile.getFileName()) + ": move it to " + keyFile
                    + ", then run 'spejl-hub keys rotate' so that the key delegation names it");
        }
        if (!Files.exists(keyFile)) {
            throw new IOException(Files.exists(dataDir.resolve(DIR))
                    ? "the access log at " + dataDir.resolve(DIR) + " has lost its key " + keyFile + "; put the key back (from a backup) before the hub starts"
                    : "there is no access-log key at " + keyFile + ": 'spejl-hub keys rotate' makes one and names it in the key delegation");
        }
        Ed25519.PrivateKey key = KeyFiles.readPrivate(keyFile);
        if (!delegation.hasAuditLogKey()) {
            log.warn("key delegation version {} names no access-log key: the spokes cannot witness the access log until "
                    + "'spejl-hub keys rotate' writes one that does", delegation.getVersion());
        } else if (!delegation.getAuditLogKey().getKeyId().equals(key.publicKey().keyId())) {
            throw new IOException("key delegation version " + delegation.getVersion() + " names access-log key "
                    + delegation.getAuditLogKey().getKeyId() + ", but " + keyFile + " holds " + key.publicKey().keyId()
                    + ": put the right key back (from a backup)");
        }
        return MerkleLog.open(dataDir.resolve(DIR), origin(hubId), key, policy, clock);
    }

    /** The log as it is on disk, to read beside the running hub (never made here). */
    public static MerkleLog openReadOnly(Path dataDir, Path keyFile, String hubId) throws IOException {
        if (!Files.exists(dataDir.resolve(DIR).resolve("CURRENT")) || !Files.exists(keyFile)) {
            throw new IOException("there is no access log at " + dataDir.resolve(DIR) + " with its key " + keyFile
                    + " (the hub writes them from its first start)");
        }
        return MerkleLog.openReadOnly(dataDir.resolve(DIR), origin(hubId), KeyFiles.readPrivate(keyFile).publicKey());
    }

    /**
     * The log's newest signed checkpoint for a spoke that holds the one of size {@code heldSize} (0: none), with the
     * consistency proof from that size. When the spoke holds a larger one than the log has now, the checkpoint goes
     * without a proof: the spoke then sees the log shrink, which is what it is there to see.
     */
    public static Optional<ManifestFeed.Audit> checkpoint(MerkleLog log, long heldSize) throws IOException {
        Optional<String> note = log.latestCheckpointNote();
        if (note.isEmpty()) {
            return Optional.empty();
        }
        try {
            long size = Checkpoint.open(note.get(), log.checkpointKey()).size();
            AuditCheckpoint.Builder event = AuditCheckpoint.newBuilder().setNote(note.get()).setFromSize(heldSize);
            if (heldSize > 0 && heldSize < size) {
                for (byte[] hash : log.consistencyProof(heldSize, size)) {
                    event.addConsistency(ByteString.copyFrom(hash));
                }
            }
            return Optional.of(new ManifestFeed.Audit(size, event.build()));
        } catch (SignedNote.NoteException | Merkle.ProofException e) {
            throw new IOException("the access log's newest checkpoint: " + e.getMessage(), e);
        }
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
