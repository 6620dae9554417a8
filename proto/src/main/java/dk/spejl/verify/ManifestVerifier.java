package dk.spejl.verify;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.Sha256;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;

import java.security.MessageDigest;
import java.util.Optional;

/**
 * Decides whether a pushed manifest may move a replica forward. The steps follow docs/design.md,
 * "The protocol" and invariants 2-4, in order; each failure has its own type.
 */
public final class ManifestVerifier {
    /**
     * The schema the hub writes. 2: snapshot chunks are SST files (see publish.proto, ChunkRef).
     * 1: chunks were protobuf messages; such revisions are still applied as deltas, but a spoke
     * does not bootstrap from their snapshots ({@link #SST_CHUNKS_SINCE}).
     */
    public static final int SCHEMA_VERSION = 2;
    /** The oldest schema whose manifests a spoke still accepts. */
    public static final int OLDEST_SCHEMA_VERSION = 1;
    /** The first schema whose snapshots are made of SST chunks. */
    public static final int SST_CHUNKS_SINCE = 2;

    private final TrustedKeys trust;
    private final java.util.Map<String, Ed25519.Verifier> verifiers = new java.util.HashMap<>();

    private final java.time.Clock clock;

    public ManifestVerifier(TrustedKeys trust) {
        this(trust, java.time.Clock.systemUTC());
    }

    /** @param clock tells when the key delegation behind {@code trust} expires */
    public ManifestVerifier(TrustedKeys trust, java.time.Clock clock) {
        this.trust = trust;
        this.clock = clock;
        trust.keysById().forEach((id, key) -> verifiers.put(id, Ed25519.verifier(key)));
    }

    public TrustedKeys trust() {
        return trust;
    }

    public VerifiedManifest verify(SignedManifest signed, Optional<Position> held) throws VerificationException {
        return verify(signed, Optional.empty(), held);
    }

    /**
     * @param snapshotReference a later signed manifest naming this revision's snapshot, if the hub sent one
     * @param held              the revision the replica holds, or empty for an empty replica
     */
    public VerifiedManifest verify(SignedManifest signed, Optional<SignedManifest> snapshotReference, Optional<Position> held)
            throws VerificationException {
        return verify(signed, snapshotReference, held, clock.millis());
    }

    /**
     * As {@link #verify(SignedManifest, Optional, Optional)}, at the given time: every check that asks for the time
     * asks this one.
     */
    public VerifiedManifest verify(SignedManifest signed, Optional<SignedManifest> snapshotReference, Optional<Position> held,
                                   long nowMillis) throws VerificationException {
        VerifiedManifest verified = signed(signed, snapshotReference, nowMillis);
        long revision = verified.revision();
        if (held.isEmpty()) {
            // 6a. An empty replica can only start from a snapshot.
            if (!verified.isSnapshot()) {
                throw new RevisionGapException("an empty replica needs a snapshot manifest, got revision " + revision);
            }
            return verified;
        }
        Position position = held.get();
        // 6b. Forward only (invariant 3).
        if (revision <= position.revision()) {
            throw new RollbackException("revision " + revision + " is not newer than held revision " + position.revision());
        }
        // 7. The next revision chains to the held manifest; a later one must come with its snapshot.
        if (revision == position.revision() + 1) {
            checkChains(verified, position);
        } else if (!verified.isSnapshot()) {
            throw new RevisionGapException("revision " + revision + " does not follow held revision " + position.revision());
        }
        return verified;
    }

    /**
     * Steps 1-5b only: what a manifest says, and that this hub signed it under a key in force at {@code nowMillis}
     * ({@link DelegationVerifier#ANY_TIME} for integrity alone), whatever the replica holds.
     */
    public VerifiedManifest signed(SignedManifest signed, Optional<SignedManifest> snapshotReference, long nowMillis)
            throws VerificationException {
        // Steps 1-5: parse, delegated key, signature, hub id, schema.
        Manifest manifest = checkSigned(signed, nowMillis);
        ObjectRef snapshotIndex = null;
        if (manifest.hasSnapshotIndex() && manifest.getSnapshotRevision() == manifest.getRevision()) {
            snapshotIndex = manifest.getSnapshotIndex();
        } else if (snapshotReference.isPresent()) {
            // 5b. A snapshot written after this manifest is vouched for by a later signed manifest.
            Manifest reference = checkSigned(snapshotReference.get(), nowMillis);
            if (reference.getRevision() < manifest.getRevision() || reference.getSnapshotRevision() != manifest.getRevision()
                    || !reference.hasSnapshotIndex()) {
                throw new MalformedException("revision " + reference.getRevision() + " does not name a snapshot of revision "
                        + manifest.getRevision());
            }
            snapshotIndex = reference.getSnapshotIndex();
        }
        // 5c. A revision without a delta (a restored hub's bridge) can only be reached by its own snapshot.
        if (!manifest.hasDelta() && !(manifest.hasSnapshotIndex() && manifest.getSnapshotRevision() == manifest.getRevision())) {
            throw new MalformedException("revision " + manifest.getRevision() + " has no delta and no snapshot of its own");
        }
        return new VerifiedManifest(signed, manifest, ManifestSigner.digest(signed), snapshotIndex);
    }

    /** Step 7's chain rule: the manifest names the held one as its predecessor. */
    static void checkChains(VerifiedManifest next, Position held) throws BrokenChainException {
        if (!MessageDigest.isEqual(next.manifest().getPreviousManifestDigest().toByteArray(), held.manifestDigest())) {
            throw new BrokenChainException("revision " + next.revision() + " chains to "
                    + Sha256.shortHex(next.manifest().getPreviousManifestDigest().toByteArray()) + ", held manifest is "
                    + Sha256.shortHex(held.manifestDigest()));
        }
    }

    private Manifest checkSigned(SignedManifest signed, long nowMillis) throws VerificationException {
        // 1. The bytes parse as a manifest.
        Manifest manifest;
        try {
            manifest = Manifest.parseFrom(signed.getManifest());
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedException("manifest does not parse: " + e.getMessage());
        }
        // 2. The signing key is one the pinned root delegated, under a delegation still valid (invariant 4).
        Ed25519.Verifier key = verifiers.get(manifest.getKeyId());
        if (key == null) {
            throw trust.untrusted("revision " + manifest.getRevision(), manifest.getKeyId());
        }
        trust.checkNotExpired(nowMillis);
        // 3. The signature covers exactly these bytes.
        if (!key.verify(ManifestSigner.CONTEXT, signed.getManifest().toByteArray(), signed.getSignature().toByteArray())) {
            throw new BadSignatureException("signature on revision " + manifest.getRevision() + " does not verify under key " + manifest.getKeyId());
        }
        // 4. It is this hub's manifest, not one from another hub (mix-and-match).
        if (!trust.hubId().equals(manifest.getHubId())) {
            throw new WrongHubException("manifest is for hub '" + manifest.getHubId() + "', this spoke follows '" + trust.hubId() + "'");
        }
        // 5. The schema is one this spoke understands.
        if (manifest.getSchemaVersion() < OLDEST_SCHEMA_VERSION || manifest.getSchemaVersion() > SCHEMA_VERSION) {
            throw new UnsupportedSchemaException("schema version " + manifest.getSchemaVersion() + " (this spoke knows "
                    + OLDEST_SCHEMA_VERSION + " to " + SCHEMA_VERSION + ")");
        }
        return manifest;
    }
}
