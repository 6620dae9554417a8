package dk.spejl.hub.publish;

import dk.spejl.wire.Manifest;
import dk.spejl.wire.SignedManifest;

/**
 * A revision as it left the publisher: its signed manifest, the delta object's bytes, when
 * (System.nanoTime) its commit became durable, from which replication lag is measured, and how
 * long the synced commit itself took (the disk's share of a publish).
 */
public record Published(SignedManifest signed, Manifest manifest, byte[] digest, byte[] deltaBytes, long committedNanos,
                        long commitNanos) {
    public long revision() {
        return manifest.getRevision();
    }
}
