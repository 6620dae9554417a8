package dk.spejl.hub.trust;

import dk.spejl.io.DurableFile;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SignedDelegation;
import dk.spejl.wire.SigningKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The hub's keys directory: the key delegation the root key signed ({@code delegation.bin})
 * and the private online keys it names ({@code signing-<key id>.key}). The hub signs with the
 * first delegated key whose private file it holds. The root key itself is never here.
 *
 * <p>Rotation writes the new key first and the new delegation second, atomically: a crash in
 * between leaves the old delegation in force and an unused key file behind.
 */
public final class HubKeys {
    private static final Logger log = LoggerFactory.getLogger(HubKeys.class);
    public static final String DELEGATION = "delegation.bin";
    /** The key that signs the access audit log's checkpoints: made with the first delegation, named by every one, never rotated. */
    public static final String AUDIT_LOG_KEY = "access-log.key";

    private HubKeys() {
    }

    /** The delegation in force and the key the hub signs with under it. */
    public record Active(SignedDelegation delegation, TrustedKeys trusted, Ed25519.PrivateKey signing) {
        public KeyDelegation parsed() {
            return trusted.delegation().orElseThrow();
        }

        public String signingKeyId() {
            return signing.publicKey().keyId();
        }
    }

    /** What a rotation did. */
    public record Rotation(long version, String newKeyId, List<String> kept, List<String> revoked, Instant expiresAt) {
    }

    /** Thrown when the keys directory cannot give the hub a valid key to sign with. */
    public static final class KeysException extends IOException {
        public KeysException(String message) {
            super(message);
        }

        public KeysException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads and verifies the directory's delegation, the same way a spoke does.
     *
     * @param inUse the delegation the running hub uses now: a reload may only move forward from it
     */
    public static Active load(Path dir, String rootFingerprint, String hubId, Optional<SignedDelegation> inUse, long nowMillis)
            throws IOException {
        SignedDelegation signed = readDelegation(dir);
        TrustedKeys trusted;
        try {
            trusted = DelegationVerifier.verify(rootFingerprint, signed, inUse, Optional.of(hubId), nowMillis);
        } catch (VerificationException e) {
            throw new KeysException(dir.resolve(DELEGATION) + ": " + e.getMessage());
        }
        for (SigningKey key : trusted.delegation().orElseThrow().getKeysList()) {
            Path file = keyFile(dir, key.getKeyId());
            if (Files.exists(file)) {
                Ed25519.PrivateKey signing = KeyFiles.readPrivate(file);
                if (!signing.publicKey().keyId().equals(key.getKeyId())) {
                    throw new KeysException(file + " does not hold key " + key.getKeyId());
                }
                return new Active(signed, trusted, signing);
            }
        }
        throw new KeysException("no private key in " + dir + " for any key that delegation version " + trusted.version()
                + " names (" + String.join(", ", trusted.keysById().keySet()) + ")");
    }

    /** Creates the first online key and delegation (version 1), for a new hub. */
    public static Active create(Path dir, Ed25519.PrivateKey root, String hubId, Duration validFor, Clock clock) throws IOException {
        if (Files.exists(dir.resolve(DELEGATION))) {
            throw new KeysException(dir.resolve(DELEGATION) + " exists already: use 'spejl-hub keys rotate'");
        }
        Ed25519.PrivateKey online = newKey(dir);
        Ed25519.PublicKey audit = auditLogKey(dir).publicKey();
        long now = clock.millis();
        writeDelegation(dir, DelegationSigner.sign(withAuditKey(DelegationSigner.delegation(hubId, 1, now, now + validFor.toMillis(),
                List.of(online.publicKey()), Set.of()), audit), root));
        return load(dir, root.publicKey().fingerprint(), hubId, Optional.empty(), now);
    }

    /**
     * Creates a new online key and a delegation one version higher that names it first.
     * Unless {@code keepPrevious}, every key of the current delegation is left out, that is, revoked.
     * The current delegation may have expired: renewing it is what rotation is for.
     */
    public static Rotation rotate(Path dir, Ed25519.PrivateKey root, String hubId, Duration validFor, boolean keepPrevious, Clock clock)
            throws IOException {
        SignedDelegation current = readDelegation(dir);
        KeyDelegation before;
        try {
            // An expired delegation still counts as the one to move forward from.
            before = DelegationVerifier.verify(root.publicKey().fingerprint(), current, Optional.empty(), Optional.of(hubId),
                    DelegationVerifier.ANY_TIME)
                    .delegation().orElseThrow();
        } catch (VerificationException e) {
            throw new KeysException(dir.resolve(DELEGATION) + " does not verify under this root key: " + e.getMessage());
        }
        if (before.hasAuditLogKey() && !Files.exists(dir.resolve(AUDIT_LOG_KEY))) {
            throw new KeysException("the delegation names access-log key " + before.getAuditLogKey().getKeyId() + ", and "
                    + dir.resolve(AUDIT_LOG_KEY) + " is gone: put it back (from a backup); it is never replaced");
        }
        Ed25519.PublicKey audit = auditLogKey(dir).publicKey();
        if (before.hasAuditLogKey() && !before.getAuditLogKey().getKeyId().equals(audit.keyId())) {
            throw new KeysException(dir.resolve(AUDIT_LOG_KEY) + " holds key " + audit.keyId() + ", but the delegation names access-log key "
                    + before.getAuditLogKey().getKeyId() + ": put the right key back (from a backup); it is never replaced");
        }
        Ed25519.PrivateKey online = newKey(dir);
        List<Ed25519.PublicKey> keys = new ArrayList<>();
        keys.add(online.publicKey());
        List<String> kept = new ArrayList<>();
        Set<String> revoked = new LinkedHashSet<>(before.getRevokedKeyIdsList());
        List<String> newlyRevoked = new ArrayList<>();
        for (SigningKey key : before.getKeysList()) {
            if (keepPrevious) {
                keys.add(new Ed25519.PublicKey(key.getPublicKey().toByteArray()));
                kept.add(key.getKeyId());
            } else {
                revoked.add(key.getKeyId());
                newlyRevoked.add(key.getKeyId());
            }
        }
        long now = clock.millis();
        long version = before.getVersion() + 1;
        writeDelegation(dir, DelegationSigner.sign(withAuditKey(DelegationSigner.delegation(hubId, version, now, now + validFor.toMillis(),
                keys, revoked), audit), root));
        for (String id : newlyRevoked) {
            Files.deleteIfExists(keyFile(dir, id));
        }
        log.info("key delegation version {} written: signing key {}, kept {}, revoked {}", version, online.publicKey().keyId(), kept, newlyRevoked);
        return new Rotation(version, online.publicKey().keyId(), kept, newlyRevoked, Instant.ofEpochMilli(now + validFor.toMillis()));
    }

    public static SignedDelegation readDelegation(Path dir) throws IOException {
        Path file = dir.resolve(DELEGATION);
        if (!Files.exists(file)) {
            throw new KeysException("no key delegation at " + file + ": create one with 'spejl-hub init' or 'spejl-hub keys rotate'");
        }
        try {
            return SignedDelegation.parseFrom(Files.readAllBytes(file));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new KeysException(file + " is not a key delegation");
        }
    }

    /** The access log's key in {@code dir}, made the first time it is asked for. */
    public static Ed25519.PrivateKey auditLogKey(Path dir) throws IOException {
        Path file = dir.resolve(AUDIT_LOG_KEY);
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            KeyFiles.writePrivate(file, Ed25519.generate(new SecureRandom()));
            DurableFile.forceDirectory(dir);
        }
        return KeyFiles.readPrivate(file);
    }

    private static KeyDelegation withAuditKey(KeyDelegation delegation, Ed25519.PublicKey audit) {
        return delegation.toBuilder().setAuditLogKey(SigningKey.newBuilder().setKeyId(audit.keyId())
                .setPublicKey(com.google.protobuf.ByteString.copyFrom(audit.encoded()))).build();
    }

    static Path keyFile(Path dir, String keyId) {
        return dir.resolve("signing-" + keyId + ".key");
    }

    private static Ed25519.PrivateKey newKey(Path dir) throws IOException {
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        KeyFiles.writePrivate(keyFile(dir, key.publicKey().keyId()), key);
        DurableFile.forceDirectory(dir);
        return key;
    }

    private static void writeDelegation(Path dir, SignedDelegation signed) throws IOException {
        DurableFile.write(dir.resolve(DELEGATION), signed.toByteArray());
    }
}
