package dk.spejl.spoke.sync;

import com.google.protobuf.ByteString;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.DelegationSigner;
import dk.spejl.signing.Ed25519;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.wire.AuditCheckpoint;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SigningKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The witness against a hub that tries to keep it from checking: a checkpoint proved from another size than the one
 * held, a hub that then cannot give the proof that matters, or one that cannot be reached.
 */
class AuditWitnessProofTest {
    @TempDir
    Path tmp;

    private final Ed25519.PrivateKey logKey = Ed25519.generate(new SecureRandom());
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    /** The keys a spoke holds from a verified delegation that names {@code logKey} as the access log's. */
    private TrustedKeys trust() {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        Ed25519.PrivateKey online = Ed25519.generate(new SecureRandom());
        KeyDelegation d = DelegationSigner.delegation("h", 1, 0, Long.MAX_VALUE, List.of(online.publicKey()), Set.of()).toBuilder()
                .setAuditLogKey(SigningKey.newBuilder().setKeyId(logKey.publicKey().keyId())
                        .setPublicKey(ByteString.copyFrom(logKey.publicKey().encoded()))).build();
        return new TrustedKeys("h", Map.of(online.publicKey().keyId(), online.publicKey()), Set.of(), 1, Long.MAX_VALUE,
                Optional.of(DelegationSigner.sign(d, root)));
    }

    /** A log of {@code entries}, each a checkpoint, signed with the log key. */
    private MerkleLog log(String name, List<String> entries) throws Exception {
        MerkleLog log = MerkleLog.open(tmp.resolve(name), "h/access", logKey, new MerkleLog.Policy(1, Duration.ofMillis(1)), Clock.systemUTC());
        for (String e : entries) {
            log.append(e.getBytes(StandardCharsets.UTF_8));
        }
        return log;
    }

    private static AuditCheckpoint sent(MerkleLog log, long from, List<byte[]> proof) throws Exception {
        return AuditCheckpoint.newBuilder().setNote(log.latestCheckpointNote().orElseThrow()).setFromSize(from)
                .addAllConsistency(proof.stream().map(ByteString::copyFrom).toList()).build();
    }

    private double failures(String reason) {
        var c = metrics.find("spejl_spoke_audit_witness_failures_total").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aCheckpointProvedFromAnotherSizeIsCheckedWithTheProofTheWitnessAsksFor() throws Exception {
        TrustedKeys trust = trust();
        AuditWitness witness = new AuditWitness(tmp, metrics, Clock.systemUTC());
        try (MerkleLog honest = log("honest", List.of("a", "b", "c", "d", "e")); MerkleLog rewritten = log("rewritten", List.of("a", "c", "b", "d", "e"))) {
            witness.witness(AuditCheckpoint.newBuilder().setNote(noteAt(honest, 3)).build(), trust);
            assertThat(witness.heldSize()).isEqualTo(3);

            // The rewritten log (b and c swapped), proved from size 1, where it still agrees: the proof verifies, from the wrong size.
            AuditCheckpoint evasive = sent(rewritten, 1, rewritten.consistencyProof(1, 5));
            witness.proofs((first, second) -> Optional.empty()); // the hub cannot be asked just now
            witness.witness(evasive, trust);
            assertThat(witness.alarm()).isEmpty();
            assertThat(witness.heldSize()).as("not taken without its proof").isEqualTo(3);
            assertThat(failures("proof_unavailable")).isEqualTo(1);
            assertThat(metrics.get("spejl_spoke_audit_unproved_entries").gauge().value()).isEqualTo(2.0);

            // Asked, the hub gives the proof from 3, which is all it can give: it does not verify.
            witness.proofs((first, second) -> {
                try {
                    return Optional.of(rewritten.consistencyProof(first, second));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            witness.witness(evasive, trust);
            assertThat(witness.alarm()).get().asString().contains("does not extend the one of 3");
            assertThat(witness.heldSize()).isEqualTo(3);
        }
    }

    @Test
    void aHubThatAnswersItCannotProveItsSignedCheckpointRaisesTheAlarm() throws Exception {
        TrustedKeys trust = trust();
        AuditWitness witness = new AuditWitness(tmp, metrics, Clock.systemUTC());
        try (MerkleLog honest = log("honest", List.of("a", "b", "c", "d"))) {
            witness.witness(AuditCheckpoint.newBuilder().setNote(noteAt(honest, 2)).build(), trust);
            witness.proofs((first, second) -> {
                throw new AuditWitness.Refused("FAILED_PRECONDITION: the log holds fewer than " + second + " entries");
            });
            witness.witness(sent(honest, 0, List.of()), trust);
            assertThat(witness.alarm()).get().asString().contains("cannot prove");
        }
    }

    @Test
    void anHonestCheckpointProvedFromAnotherSizeIsTakenWithTheProofAskedFor() throws Exception {
        TrustedKeys trust = trust();
        AuditWitness witness = new AuditWitness(tmp, metrics, Clock.systemUTC());
        try (MerkleLog honest = log("honest", List.of("a", "b", "c", "d", "e", "f"))) {
            witness.witness(AuditCheckpoint.newBuilder().setNote(noteAt(honest, 4)).build(), trust);
            witness.proofs((first, second) -> {
                try {
                    return Optional.of(honest.consistencyProof(first, second));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            witness.witness(sent(honest, 2, honest.consistencyProof(2, 6)), trust); // a stream that lost track of what is held
            assertThat(witness.alarm()).isEmpty();
            assertThat(witness.heldSize()).isEqualTo(6);
        }
    }

    /** The checkpoint the log signed when it held {@code size} entries. */
    private static String noteAt(MerkleLog log, long size) {
        return log.checkpointNotes().stream().filter(n -> n.contains("\n" + size + "\n")).findFirst().orElseThrow();
    }
}
