package dk.spejl.hub.catalogue;

import dk.spejl.digest.LtHash;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

/** The published head: its signed manifest and the lattice behind its state digest. */
public record Head(SignedManifest signed, Manifest manifest, byte[] manifestDigest, LtHash lattice) {
    public long revision() {
        return manifest.getRevision();
    }

    public long entryCount() {
        return manifest.getEntryCount();
    }
}
