package dk.spejl.spoke.replica;

import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.Record;
import dk.spejl.wire.SignedDelegation;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The full check behind {@code spejl-spoke verify}: the stored manifest is signed by a key that
 * the held key delegation names, that delegation is signed by the pinned root, and the state
 * digest recomputed from every record equals the one the manifest signs.
 */
public final class ReplicaCheck {
    private ReplicaCheck() {
    }

    public record Outcome(boolean ok, String message, long revision, long records) {
    }

    public static Outcome run(Replica replica, String pinnedRootFingerprint, Optional<SignedDelegation> heldDelegation) {
        var state = replica.state().orElse(null);
        if (state == null) {
            return new Outcome(false, "the replica is empty: it holds no signed revision", -1, 0);
        }
        if (heldDelegation.isEmpty()) {
            return new Outcome(false, "no key delegation is held beside the replica", state.revision(), 0);
        }
        TrustedKeys trust;
        try {
            // Whether the delegation has expired since is a matter of freshness, not of integrity.
            trust = DelegationVerifier.verify(pinnedRootFingerprint, heldDelegation.get(), Optional.empty(),
                    Optional.of(state.hubId()), DelegationVerifier.ANY_TIME);
        } catch (VerificationException e) {
            return new Outcome(false, "the held key delegation: " + e.getMessage(), state.revision(), 0);
        }
        Ed25519.PublicKey key = state.signingKey();
        if (trust.key(key.keyId()).filter(k -> k.fingerprint().equals(key.fingerprint())).isEmpty()) {
            return new Outcome(false, "revision " + state.revision() + " is signed by key " + key.keyId() + ", which key delegation version "
                    + trust.version() + (trust.revokedKeyIds().contains(key.keyId()) ? " revokes" : " does not name"), state.revision(), 0);
        }
        if (!key.keyId().equals(state.manifest().getKeyId())
                || !Ed25519.verify(key, ManifestSigner.CONTEXT, state.signed().getManifest().toByteArray(), state.signed().getSignature().toByteArray())) {
            return new Outcome(false, "the stored manifest of revision " + state.revision() + " is not validly signed", state.revision(), 0);
        }
        LtHash lattice = LtHash.empty();
        AtomicLong count = new AtomicLong();
        List<String> problems = new ArrayList<>();
        replica.forEachRecord((id, canonical) -> {
            count.incrementAndGet();
            try {
                if (!Record.parseFrom(canonical).getId().equals(id) && problems.size() < 5) {
                    problems.add("record stored under " + id + " carries another id");
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                if (problems.size() < 5) {
                    problems.add("record " + id + " does not parse");
                }
            }
            lattice.addCanonical(canonical);
        });
        if (!problems.isEmpty()) {
            return new Outcome(false, String.join("; ", problems), state.revision(), count.get());
        }
        byte[] digest = lattice.digest();
        byte[] signed = state.manifest().getStateDigest().toByteArray();
        if (!MessageDigest.isEqual(digest, signed) || count.get() != state.entryCount()) {
            return new Outcome(false, "recomputed state " + Sha256.shortHex(digest) + " over " + count.get()
                    + " records, revision " + state.revision() + " signs " + Sha256.shortHex(signed) + " over "
                    + state.entryCount(), state.revision(), count.get());
        }
        return new Outcome(true, "revision " + state.revision() + " verified: " + count.get() + " records, state "
                + Sha256.shortHex(digest) + ", signed by key " + key.keyId() + " under key delegation version " + trust.version(),
                state.revision(), count.get());
    }
}
