package dk.spejl.verify;

import dk.spejl.signing.Ed25519;
import dk.spejl.wire.SigningKey;
import dk.spejl.wire.TrustInfo;

import java.util.Map;
import java.util.Optional;

/** The hub id and the signing keys a spoke believes, after checking them against its pin. */
public record TrustedKeys(String hubId, Map<String, Ed25519.PublicKey> keysById) {

    public TrustedKeys {
        keysById = Map.copyOf(keysById);
    }

    public static TrustedKeys of(String hubId, Ed25519.PublicKey key) {
        return new TrustedKeys(hubId, Map.of(key.keyId(), key));
    }

    /**
     * Keeps only the offered key whose fingerprint the spoke pinned in its configuration. The
     * hub id is taken from the hub's offer here; {@link ManifestVerifier} then holds every
     * manifest to it, and a spoke with state holds the offer to the hub id it already has.
     */
    public static TrustedKeys fromPin(String pinnedFingerprint, TrustInfo offer) throws UntrustedKeyException {
        for (SigningKey offered : offer.getKeysList()) {
            Ed25519.PublicKey key;
            try {
                key = new Ed25519.PublicKey(offered.getPublicKey().toByteArray());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (key.fingerprint().equalsIgnoreCase(pinnedFingerprint)) {
                return of(offer.getHubId(), key);
            }
        }
        throw new UntrustedKeyException("the hub offered no key with the pinned fingerprint " + pinnedFingerprint);
    }

    public Optional<Ed25519.PublicKey> key(String keyId) {
        return Optional.ofNullable(keysById.get(keyId));
    }
}
