package dk.spejl.spoke.replica;

import dk.spejl.digest.LtHash;
import dk.spejl.signing.Ed25519;
import dk.spejl.verify.Position;
import dk.spejl.verify.TrustChain;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

import java.time.Instant;

/**
 * The signed revision a replica holds (invariant 2): the manifest that signs it, the lattice
 * behind its state digest, the key that verified the manifest, and when it was verified.
 */
public record ReplicaState(SignedManifest signed, Manifest manifest, byte[] manifestDigest, LtHash lattice,
                           Ed25519.PublicKey signingKey, Instant verifiedAt) {

    public long revision() {
        return manifest.getRevision();
    }

    public long entryCount() {
        return manifest.getEntryCount();
    }

    public String hubId() {
        return manifest.getHubId();
    }

    public Position position() {
        return new Position(revision(), manifestDigest);
    }

    /** What the trust chain needs to know of this revision. */
    public TrustChain.Held held() {
        return new TrustChain.Held(position(), manifest.getKeyId(), lattice, entryCount());
    }
}
