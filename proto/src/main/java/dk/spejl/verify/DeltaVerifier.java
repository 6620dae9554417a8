package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.wire.Delta;

import java.security.MessageDigest;

/** Checks a delta object against its verified manifest and the replica it would change. */
public final class DeltaVerifier {
    private DeltaVerifier() {
    }

    public static StateTransition.Result verify(VerifiedManifest manifest, byte[] deltaBytes, LtHash lattice, long entryCount,
                                                StateTransition.CurrentRecords current) throws VerificationException {
        // 1. The object is the one the signed manifest names (digest and size).
        ObjectCheck.verify(manifest.manifest().getDelta(), deltaBytes);
        // 2. It parses, and says it is this revision of this hub.
        Delta delta;
        try {
            delta = Delta.parseFrom(deltaBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedException("delta of revision " + manifest.revision() + " does not parse");
        }
        if (!delta.getHubId().equals(manifest.manifest().getHubId()) || delta.getRevision() != manifest.revision()) {
            throw new MalformedException("delta claims " + delta.getHubId() + "@" + delta.getRevision()
                    + " inside manifest " + manifest.manifest().getHubId() + "@" + manifest.revision());
        }
        // 3. Applied to the held state it reproduces the signed state digest and entry count.
        StateTransition.Result next = StateTransition.apply(lattice, entryCount, delta, current);
        byte[] digest = next.lattice().digest();
        if (!MessageDigest.isEqual(digest, manifest.manifest().getStateDigest().toByteArray())
                || next.entryCount() != manifest.manifest().getEntryCount()) {
            throw new StateDigestException("delta of revision " + manifest.revision() + " gives state "
                    + Sha256.shortHex(digest) + " with " + next.entryCount() + " entries, the manifest signs "
                    + Sha256.shortHex(manifest.manifest().getStateDigest().toByteArray()) + " with "
                    + manifest.manifest().getEntryCount());
        }
        return next;
    }
}
