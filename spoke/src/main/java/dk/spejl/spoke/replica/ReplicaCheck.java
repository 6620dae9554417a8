package dk.spejl.spoke.replica;

import dk.spejl.digest.StateRecomputation;
import dk.spejl.digest.Sha256;
import dk.spejl.signing.Ed25519;
import dk.spejl.verify.TrustChain;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.SignedDelegation;

import java.security.MessageDigest;
import java.util.Optional;

/**
 * The full check behind {@code spejl-spoke verify}: the trust chain's check of a stored revision
 * (the stored manifest is signed by a key that the held key delegation names, and that delegation
 * by the pinned root), and the state digest recomputed from every record equals the one the
 * manifest signs.
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
            // The same rule as the spoke's when it took the revision in, asked without a time: whether anything has
            // expired since is a matter of freshness, not of integrity.
            trust = TrustChain.stored(pinnedRootFingerprint, heldDelegation.get(), state.signed(), state.hubId());
        } catch (VerificationException e) {
            return new Outcome(false, "revision " + state.revision() + " does not verify (" + e.reason() + "): " + e.getMessage(),
                    state.revision(), 0);
        }
        Ed25519.PublicKey key = trust.key(state.manifest().getKeyId()).orElseThrow();
        if (!key.fingerprint().equals(state.signingKey().fingerprint())) {
            return new Outcome(false, "revision " + state.revision() + " was stored with key " + state.signingKey().fingerprint()
                    + ", not the delegated key " + key.fingerprint() + " its manifest names", state.revision(), 0);
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
