package dk.spejl.hub.publish;

import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

/** A revision as it left the publisher: its signed manifest and the delta object's bytes. */
public record Published(SignedManifest signed, Manifest manifest, byte[] digest, byte[] deltaBytes) {
    public long revision() {
        return manifest.getRevision();
    }
}
