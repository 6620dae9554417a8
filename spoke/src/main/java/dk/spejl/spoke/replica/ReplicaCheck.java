package dk.spejl.spoke.replica;

import dk.spejl.digest.StateRecomputation;
import dk.spejl.digest.Sha256;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.SignedDelegation;

import java.security.MessageDigest;
import java.util.Optional;

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
        if (replica.state().isEmpty()) {
            return new Outcome(false, "the replica is empty: it holds no signed revision", -1, 0);
        }
        if (heldDelegation.isEmpty()) {
            return new Outcome(false, "no key delegation is held beside the replica", replica.state().get().revision(), 0);
        }
        StateRecomputation recomputed = new StateRecomputation();
        ReplicaState state;
        try {
            state = replica.scan(recomputed::add);
        } catch (java.io.IOException e) {
            return new Outcome(false, e.getMessage(), replica.state().get().revision(), 0);
        } finally {
            recomputed.finish();
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
        long count = recomputed.count();
        if (!recomputed.problems().isEmpty()) {
            return new Outcome(false, String.join("; ", recomputed.problems()), state.revision(), count);
        }
        byte[] digest = recomputed.digest();
        byte[] signed = state.manifest().getStateDigest().toByteArray();
        if (!MessageDigest.isEqual(digest, signed) || count != state.entryCount()) {
            return new Outcome(false, "recomputed state " + Sha256.shortHex(digest) + " over " + count
                    + " records, revision " + state.revision() + " signs " + Sha256.shortHex(signed) + " over "
                    + state.entryCount(), state.revision(), count);
        }
        return new Outcome(true, "revision " + state.revision() + " verified: " + count + " records, state "
                + Sha256.shortHex(digest) + ", signed by key " + key.keyId() + " under key delegation version " + trust.version(),
                state.revision(), count);
    }
}
