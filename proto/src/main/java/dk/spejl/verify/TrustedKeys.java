package dk.spejl.verify;

import dk.spejl.signing.Ed25519;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SignedDelegation;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a spoke believes about a hub's keys: the hub id, the online keys that may sign, the keys
 * withdrawn, and until when, all from one key delegation that verified under the pinned root.
 *
 * @param source the delegation these came from; empty only for keys trusted directly (tests)
 */
public record TrustedKeys(String hubId, Map<String, Ed25519.PublicKey> keysById, Set<String> revokedKeyIds,
                          long version, long expiresAtMillis, Optional<SignedDelegation> source) {

    public TrustedKeys {
        keysById = Map.copyOf(keysById);
        revokedKeyIds = Set.copyOf(revokedKeyIds);
    }

    /** One key trusted directly, never expiring: for unit tests of the verifiers. */
    public static TrustedKeys of(String hubId, Ed25519.PublicKey key) {
        return new TrustedKeys(hubId, Map.of(key.keyId(), key), Set.of(), 0, Long.MAX_VALUE, Optional.empty());
    }

    public Optional<Ed25519.PublicKey> key(String keyId) {
        return Optional.ofNullable(keysById.get(keyId));
    }

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis <= nowMillis;
    }

    /** The delegation parsed from {@link #source()}, if there is one. */
    public Optional<KeyDelegation> delegation() {
        return source.map(DelegationVerifier::parse);
    }

    /** The failure for a key id that is not trusted: revoked if a delegation withdrew it, else unknown. */
    VerificationException untrusted(String what, String keyId) {
        if (revokedKeyIds.contains(keyId)) {
            return new RevokedKeyException(what + " is signed by key " + keyId + ", revoked by key delegation version " + version);
        }
        return new UnknownKeyException(what + " is signed by unknown key " + keyId);
    }

    /** Fails once the delegation behind these keys has expired. */
    void checkNotExpired(long nowMillis) throws ExpiredDelegationException {
        if (expiredAt(nowMillis)) {
            throw new ExpiredDelegationException("key delegation version " + version + " expired at "
                    + java.time.Instant.ofEpochMilli(expiresAtMillis) + "; nothing signed under it is accepted until the hub has a new one");
        }
    }
}
