package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.LtHash;
import dk.spejl.digest.Sha256;
import dk.spejl.wire.ChunkRef;
import dk.spejl.wire.SnapshotIndex;

import java.security.MessageDigest;

/**
 * Checks a snapshot index against its signed manifest. Each chunk is then an object the index
 * names by digest (a spoke also checks that it is the table the index describes).
 * Because signed digests reach every chunk, a bootstrap may adopt the manifest's state
 * digest without recomputing it; the full recomputation belongs to {@code verify}.
 */
public final class SnapshotVerifier {
    private SnapshotVerifier() {
    }

    public static SnapshotIndex verifyIndex(VerifiedManifest manifest, byte[] indexBytes) throws VerificationException {
        if (!manifest.isSnapshot()) {
            throw new MalformedException("revision " + manifest.revision() + " carries no snapshot of itself");
        }
        // 1. The index is the object a signed manifest names for this revision.
        ObjectCheck.verify(manifest.snapshotIndex(), indexBytes);
        SnapshotIndex index;
        try {
            index = SnapshotIndex.parseFrom(indexBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedException("snapshot index of revision " + manifest.revision() + " does not parse");
        }
        // 2. It describes this hub's state at this revision.
        if (!index.getHubId().equals(manifest.manifest().getHubId()) || index.getRevision() != manifest.revision()) {
            throw new MalformedException("snapshot index claims " + index.getHubId() + "@" + index.getRevision());
        }
        // 3. Its lattice is the signed state digest, and its chunks add up to the signed entry count.
        if (index.getLattice().size() != LtHash.BYTES
                || !MessageDigest.isEqual(Sha256.of(index.getLattice().toByteArray()), manifest.manifest().getStateDigest().toByteArray())) {
            throw new StateDigestException("snapshot lattice of revision " + manifest.revision() + " is not the signed state digest");
        }
        long total = 0;
        String previousLast = null;
        for (ChunkRef ref : index.getChunksList()) {
            total += ref.getEntryCount();
            if (previousLast != null && ref.getFirstId().compareTo(previousLast) <= 0) {
                throw new MalformedException("snapshot chunks are not in id order at " + ref.getFirstId());
            }
            previousLast = ref.getLastId();
        }
        if (total != index.getEntryCount() || total != manifest.manifest().getEntryCount()) {
            throw new StateDigestException("snapshot holds " + total + " entries, the manifest signs " + manifest.manifest().getEntryCount());
        }
        return index;
    }
}
