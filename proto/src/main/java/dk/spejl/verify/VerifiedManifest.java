package dk.spejl.verify;

import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

/** A manifest whose signature, key, hub id, revision and chain have been checked. */
public record VerifiedManifest(SignedManifest signed, Manifest manifest, byte[] digest) {

    public long revision() {
        return manifest.getRevision();
    }

    /** True when this manifest carries a snapshot of its own revision, so a replica can start from it. */
    public boolean isSnapshot() {
        return manifest.hasSnapshotIndex() && manifest.getSnapshotRevision() == manifest.getRevision();
    }

    public Position position() {
        return new Position(revision(), digest);
    }
}
