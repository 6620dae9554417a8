package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SignedDelegation;
import dk.spejl.wire.SigningKey;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a key delegation may replace the keys a spoke (or the hub itself, at start)
 * trusts: it is signed by the pinned root, names the expected hub, has not expired, and is not
 * older than, or a different statement of the same version as, one accepted before.
 */
public final class DelegationVerifier {
    /**
     * A {@code nowMillis} before every expiry: for checks where an expired delegation still counts, such as the
     * version floor a spoke keeps, the starting point of a rotation, or {@code verify}'s integrity check.
     */
    public static final long ANY_TIME = Long.MIN_VALUE;

    private DelegationVerifier() {
    }

    /**
     * @param pinnedRootFingerprint the root key fingerprint from the configuration
     * @param held                  the newest delegation accepted before, if any
     * @param expectedHubId         the hub this party follows, if it knows already
     */
    public static TrustedKeys verify(String pinnedRootFingerprint, SignedDelegation signed, Optional<SignedDelegation> held,
                                     Optional<String> expectedHubId, long nowMillis) throws VerificationException {
        // 1. The root key is the pinned one, and it signed exactly these bytes.
        Ed25519.PublicKey root;
        try {
            root = new Ed25519.PublicKey(signed.getRootPublicKey().toByteArray());
        } catch (IllegalArgumentException e) {
            throw new MalformedException("the key delegation carries no valid root public key");
        }
        if (!root.fingerprint().equalsIgnoreCase(pinnedRootFingerprint)) {
            throw new UntrustedKeyException("the key delegation is signed by root " + root.fingerprint()
                    + ", this party pins root " + pinnedRootFingerprint);
        }
        if (!Ed25519.verify(root, DelegationSigner.CONTEXT, signed.getDelegation().toByteArray(), signed.getSignature().toByteArray())) {
            throw new BadSignatureException("the key delegation's signature does not verify under the pinned root");
        }
        KeyDelegation delegation;
        try {
            delegation = KeyDelegation.parseFrom(signed.getDelegation());
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedException("the key delegation does not parse");
        }
        // 2. It is for the hub this party follows (mix-and-match).
        if (expectedHubId.isPresent() && !expectedHubId.get().equals(delegation.getHubId())) {
            throw new WrongHubException("the key delegation is for hub '" + delegation.getHubId() + "', this party follows '"
                    + expectedHubId.get() + "'");
        }
        // 3. Never backwards: a lower version, or another statement of the accepted version, is refused.
        if (held.isPresent()) {
            KeyDelegation before = parse(held.get());
            if (delegation.getVersion() < before.getVersion()) {
                throw new DelegationRollbackException("key delegation version " + delegation.getVersion()
                        + " is older than accepted version " + before.getVersion());
            }
            if (delegation.getVersion() == before.getVersion() && !signed.getDelegation().equals(held.get().getDelegation())) {
                throw new DelegationRollbackException("key delegation version " + delegation.getVersion()
                        + " differs from the accepted delegation of the same version");
            }
            if (expectedHubId.isEmpty() && !before.getHubId().equals(delegation.getHubId())) {
                throw new WrongHubException("the key delegation is for hub '" + delegation.getHubId() + "', the accepted one for '"
                        + before.getHubId() + "'");
            }
        }
        // 4. Every key is well formed, and named by its own id.
        Map<String, Ed25519.PublicKey> keys = new HashMap<>();
        for (SigningKey k : delegation.getKeysList()) {
            Ed25519.PublicKey key;
            try {
                key = new Ed25519.PublicKey(k.getPublicKey().toByteArray());
            } catch (IllegalArgumentException e) {
                throw new MalformedException("the key delegation lists a malformed key " + k.getKeyId());
            }
            if (!key.keyId().equals(k.getKeyId()) || delegation.getRevokedKeyIdsList().contains(k.getKeyId())) {
                throw new MalformedException("the key delegation lists key " + k.getKeyId() + " inconsistently");
            }
            keys.put(k.getKeyId(), key);
        }
        if (keys.isEmpty()) {
            throw new MalformedException("the key delegation names no signing key");
        }
        TrustedKeys trusted = new TrustedKeys(delegation.getHubId(), keys, java.util.Set.copyOf(delegation.getRevokedKeyIdsList()),
                delegation.getVersion(), delegation.getExpiresAtMillis(), Optional.of(signed));
        // 5. Still valid.
        trusted.checkNotExpired(nowMillis);
        return trusted;
    }

    /** Parses a delegation that has been verified before (it was stored or held after verification). */
    static KeyDelegation parse(SignedDelegation signed) {
        try {
            return KeyDelegation.parseFrom(signed.getDelegation());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored key delegation does not parse", e);
        }
    }
}
