package dk.spejl.verify;

import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;

/**
 * A manifest whose signature, key, hub id, revision and chain have been checked, and, when a
 * replica may start from it, the snapshot index of its revision that a signed manifest names
 * (itself, or a later one when the snapshot was written in the background).
 */
public record VerifiedManifest(SignedManifest signed, Manifest manifest, byte[] digest, ObjectRef snapshotIndex) {

    public long revision() {
        return manifest.getRevision();
    }

    /** True when a signed snapshot of this very revision is known, so a replica can start from it. */
    public boolean isSnapshot() {
        return snapshotIndex != null;
    }

    public Position position() {
        return new Position(revision(), digest);
    }
}
