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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;

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
        Recomputation recomputed = new Recomputation();
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
        long count = recomputed.count;
        if (!recomputed.problems.isEmpty()) {
            return new Outcome(false, String.join("; ", recomputed.problems), state.revision(), count);
        }
        byte[] digest = recomputed.lattice.digest();
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

    /**
     * The state digest recomputed from every record: the replica is read in id order on the calling
     * thread and cut into blocks, whose lanes are added up on the common fork-join pool (expanding a
     * record is most of the cost; lattices add in any order). At most a few blocks wait at a time, and
     * while they do the reading thread folds blocks itself, so memory stays flat however large the
     * replica and every core works.
     */
    private static final class Recomputation {
        private static final int BLOCK = 1024;
        private static final int MAX_PROBLEMS = 5;

        private final LtHash lattice = LtHash.empty();
        private final List<String> problems = new ArrayList<>();
        private final Semaphore inFlight = new Semaphore(2 * (ForkJoinPool.getCommonPoolParallelism() + 1));
        private final List<CompletableFuture<Void>> blocks = new ArrayList<>();
        private List<String> ids = new ArrayList<>(BLOCK);
        private List<byte[]> values = new ArrayList<>(BLOCK);
        private long count;

        void add(String id, byte[] canonical) {
            count++;
            ids.add(id);
            values.add(canonical);
            if (ids.size() == BLOCK) {
                submit();
            }
        }

        private void submit() {
            List<String> blockIds = ids;
            List<byte[]> blockValues = values;
            ids = new ArrayList<>(BLOCK);
            values = new ArrayList<>(BLOCK);
            if (!inFlight.tryAcquire()) {
                // The pool is busy: the reading thread folds this block itself rather than wait.
                fold(blockIds, blockValues);
                return;
            }
            blocks.removeIf(CompletableFuture::isDone);
            blocks.add(CompletableFuture.runAsync(() -> {
                try {
                    fold(blockIds, blockValues);
                } finally {
                    inFlight.release();
                }
            }, ForkJoinPool.commonPool()));
        }

        private void fold(List<String> blockIds, List<byte[]> blockValues) {
            LtHash part = LtHash.empty();
            List<String> found = new ArrayList<>();
            for (int i = 0; i < blockIds.size(); i++) {
                String id = blockIds.get(i);
                try {
                    if (!Record.parseFrom(blockValues.get(i)).getId().equals(id)) {
                        found.add("record stored under " + id + " carries another id");
                    }
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    found.add("record " + id + " does not parse");
                }
                part.addCanonical(blockValues.get(i));
            }
            synchronized (this) {
                lattice.combine(part);
                for (String problem : found) {
                    if (problems.size() < MAX_PROBLEMS) {
                        problems.add(problem);
                    }
                }
            }
        }

        /** Folds the last, partial block and waits for every block. */
        void finish() {
            if (!ids.isEmpty()) {
                submit();
            }
            blocks.forEach(CompletableFuture::join);
        }
    }
}
