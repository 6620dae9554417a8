package dk.spejl.verify;

import com.google.protobuf.ByteString;
import dk.spejl.digest.LtHash;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestVerifierTest {
    private final Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
    private final ManifestSigner signer = new ManifestSigner(key);
    private final ManifestVerifier verifier = new ManifestVerifier(TrustedKeys.of("ngc", key.publicKey()));

    private Manifest.Builder manifest(long revision, byte[] previous, boolean snapshot) {
        ObjectRef ref = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[32])).setSize(1).build();
        return Manifest.newBuilder().setHubId("ngc").setRevision(revision).setPreviousManifestDigest(ByteString.copyFrom(previous))
                .setStateDigest(ByteString.copyFrom(LtHash.empty().digest())).setDelta(ref)
                .setSnapshotRevision(snapshot ? revision : 0).setSnapshotIndex(ref).setSchemaVersion(ManifestVerifier.SCHEMA_VERSION);
    }

    @Test
    void acceptsTheNextRevisionChainedToTheHeldOne() throws Exception {
        SignedManifest first = signer.sign(manifest(5, new byte[0], true).build());
        VerifiedManifest held = verifier.verify(first, Optional.empty());
        VerifiedManifest next = verifier.verify(signer.sign(manifest(6, held.digest(), false).build()), Optional.of(held.position()));
        assertThat(next.revision()).isEqualTo(6);
    }

    @Test
    void anEmptyReplicaStartsOnlyFromASnapshot() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(5, new byte[0], false).build()), Optional.empty()))
                .isInstanceOf(RevisionGapException.class);
    }

    @Test
    void rejectsARevisionNotNewerThanTheHeldOne() {
        Position held = new Position(6, new byte[32]);
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(6, new byte[32], true).build()), Optional.of(held)))
                .isInstanceOf(RollbackException.class);
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(3, new byte[32], true).build()), Optional.of(held)))
                .isInstanceOf(RollbackException.class);
    }

    @Test
    void aSnapshotWrittenLaterIsVouchedForByALaterManifest() throws Exception {
        SignedManifest target = signer.sign(manifest(5, new byte[32], false).build());
        ObjectRef index = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(new byte[] {7, 7, 7})).setSize(3).build();
        SignedManifest reference = signer.sign(manifest(8, new byte[32], false).setSnapshotRevision(5).setSnapshotIndex(index).build());
        VerifiedManifest verified = verifier.verify(target, Optional.of(reference), Optional.empty());
        assertThat(verified.isSnapshot()).isTrue();
        assertThat(verified.snapshotIndex()).isEqualTo(index);
    }

    @Test
    void rejectsAReferenceThatNamesAnotherRevisionsSnapshotOrIsNotSigned() {
        SignedManifest target = signer.sign(manifest(5, new byte[32], false).build());
        SignedManifest otherRevision = signer.sign(manifest(8, new byte[32], false).setSnapshotRevision(6).build());
        assertThatThrownBy(() -> verifier.verify(target, Optional.of(otherRevision), Optional.empty()))
                .isInstanceOf(MalformedException.class);
        SignedManifest forged = new ManifestSigner(Ed25519.generate(new SecureRandom()))
                .sign(manifest(8, new byte[32], false).setSnapshotRevision(5).build());
        assertThatThrownBy(() -> verifier.verify(target, Optional.of(forged), Optional.empty()))
                .isInstanceOf(UnknownKeyException.class);
    }

    @Test
    void rejectsABrokenChain() {
        Position held = new Position(6, new byte[32]);
        byte[] other = new byte[32];
        other[3] = 1;
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(7, other, false).build()), Optional.of(held)))
                .isInstanceOf(BrokenChainException.class);
    }

    @Test
    void rejectsASkippedRevisionWithoutASnapshot() {
        Position held = new Position(6, new byte[32]);
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(9, new byte[32], false).build()), Optional.of(held)))
                .isInstanceOf(RevisionGapException.class);
    }

    @Test
    void rejectsAnotherHubsManifest() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(1, new byte[0], true).setHubId("elsewhere").build()), Optional.empty()))
                .isInstanceOf(WrongHubException.class);
    }

    @Test
    void rejectsAnUnknownKeyAndABadSignature() {
        ManifestSigner stranger = new ManifestSigner(Ed25519.generate(new SecureRandom()));
        assertThatThrownBy(() -> verifier.verify(stranger.sign(manifest(1, new byte[0], true).build()), Optional.empty()))
                .isInstanceOf(UnknownKeyException.class);
        SignedManifest signed = signer.sign(manifest(1, new byte[0], true).build());
        byte[] bytes = signed.getManifest().toByteArray();
        bytes[bytes.length - 1] ^= 1;
        assertThatThrownBy(() -> verifier.verify(signed.toBuilder().setManifest(ByteString.copyFrom(bytes)).build(), Optional.empty()))
                .isInstanceOf(VerificationException.class).isNotInstanceOf(RevisionGapException.class);
    }

    @Test
    void rejectsAnUnknownSchema() {
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(1, new byte[0], true).setSchemaVersion(99).build()), Optional.empty()))
                .isInstanceOf(UnsupportedSchemaException.class);
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(1, new byte[0], true)
                .setSchemaVersion(ManifestVerifier.SCHEMA_VERSION + 1).build()), Optional.empty())).isInstanceOf(UnsupportedSchemaException.class);
        assertThatThrownBy(() -> verifier.verify(signer.sign(manifest(1, new byte[0], true).setSchemaVersion(0).build()), Optional.empty()))
                .isInstanceOf(UnsupportedSchemaException.class);
    }

    @Test
    void acceptsManifestsOfTheEarlierSchemaWhoseDeltasAreUnchanged() throws Exception {
        // Schema 1 differs from 2 only in the snapshot chunk format: its revisions still apply as deltas.
        assertThat(ManifestVerifier.OLDEST_SCHEMA_VERSION).isEqualTo(1);
        VerifiedManifest verified = verifier.verify(signer.sign(manifest(1, new byte[0], true).setSchemaVersion(1).build()), Optional.empty());
        assertThat(verified.manifest().getSchemaVersion()).isEqualTo(1);
    }

    @Test
    void objectChecksCatchSizeAndDigest() throws Exception {
        byte[] bytes = "object".getBytes();
        ObjectRef ref = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(dk.spejl.digest.Sha256.of(bytes))).setSize(bytes.length).build();
        ObjectCheck.verify(ref, bytes);
        assertThatThrownBy(() -> ObjectCheck.verify(ref, "objecT".getBytes())).isInstanceOf(ObjectDigestException.class);
        assertThatThrownBy(() -> ObjectCheck.verify(ref, "object!".getBytes())).isInstanceOf(ObjectSizeException.class);
    }
}
