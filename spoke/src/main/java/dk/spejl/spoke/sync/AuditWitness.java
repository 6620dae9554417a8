package dk.spejl.spoke.sync;

import dk.spejl.io.DurableFile;
import dk.spejl.log.Checkpoint;
import dk.spejl.log.Merkle;
import dk.spejl.log.SignedNote;
import dk.spejl.signing.Ed25519;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.wire.AuditCheckpoint;
import dk.spejl.wire.KeyDelegation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * This spoke as a witness of the hub's access audit log (docs/design.md, "The access model"). The hub sends each
 * signed checkpoint of the log on Watch, with a consistency proof from the one the spoke holds; the spoke checks the
 * signature against the access-log key its verified key delegation names, checks the proof, and keeps the newer
 * checkpoint. Two checkpoints that cannot both be true of one append-only log (a smaller one after a larger, two
 * roots for one size, a larger one that does not extend the held one) are signed evidence that the hub rewrote or
 * truncated its log: the spoke raises an alarm, logs and counts it, and keeps both notes in {@code access-alarm.txt}
 * until an admin has looked into it and removed the file. Meanwhile it holds on to the last good checkpoint.
 */
public final class AuditWitness {
    private static final Logger log = LoggerFactory.getLogger(AuditWitness.class);
    public static final String HELD_FILE = "access-checkpoint.note";
    public static final String ALARM_FILE = "access-alarm.txt";

    private final Path heldFile;
    private final Path alarmFile;
    private final Clock clock;
    private final MeterRegistry metrics;
    private volatile Checkpoint held;
    private volatile String heldNote;
    private volatile String alarm;
    private volatile boolean warnedNoKey;
    /** The largest size of a checkpoint the hub signed that this spoke could not yet accept, for want of a proof. */
    private volatile long unproved;
    private volatile Proofs proofs = (first, second) -> Optional.empty();

    /**
     * Where the witness asks for a consistency proof itself, when a checkpoint came proved from another size than the
     * one it holds: empty when the hub cannot be asked now; {@link Refused} when it answers that it cannot prove it.
     */
    public interface Proofs {
        Optional<List<byte[]>> consistency(long first, long second) throws Refused;
    }

    /** The hub answered that it cannot prove that its log extends the one the spoke holds. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    public AuditWitness(Path dataDir, MeterRegistry metrics, Clock clock) throws IOException {
        this.heldFile = dataDir.resolve(HELD_FILE);
        this.alarmFile = dataDir.resolve(ALARM_FILE);
        this.clock = clock;
        this.metrics = metrics;
        if (Files.exists(heldFile)) {
            heldNote = Files.readString(heldFile, StandardCharsets.UTF_8);
            try {
                held = Checkpoint.parse(SignedNote.unverifiedText(heldNote));
            } catch (SignedNote.NoteException e) {
                throw new IOException(heldFile + " is not a checkpoint (" + e.getMessage() + "); remove it to witness afresh", e);
            }
        }
        if (Files.exists(alarmFile)) {
            alarm = Files.readString(alarmFile, StandardCharsets.UTF_8).lines().findFirst().orElse("alarm");
            log.error("ALARM from an earlier run, still in {}: {}", alarmFile, alarm);
        }
        Gauge.builder("spejl_spoke_audit_alarm", this, w -> w.alarm == null ? 0 : 1)
                .description("1 when the hub's access audit log was caught rewritten or truncated (see access-alarm.txt)").register(metrics);
        Gauge.builder("spejl_spoke_audit_checkpoint_entries", this, w -> w.held == null ? 0 : w.held.size())
                .description("the size of the hub's access-log checkpoint this spoke holds as witness").register(metrics);
        Gauge.builder("spejl_spoke_audit_unproved_entries", this, w -> Math.max(0, w.unproved - w.heldSize()))
                .description("entries the hub's newest signed access-log checkpoint holds beyond the witnessed one, not yet proved to extend it")
                .register(metrics);
    }

    /** Where to ask for proofs (the hub's {@code Access} service, once the spoke has a channel to it). */
    public void proofs(Proofs source) {
        this.proofs = source;
    }

    /** The size of the checkpoint held, 0 for none: what the spoke tells the hub it holds. */
    public long heldSize() {
        Checkpoint c = held;
        return c == null ? 0 : c.size();
    }

    /** The newest checkpoint witnessed. */
    public Optional<Checkpoint> held() {
        return Optional.ofNullable(held);
    }

    /** What the alarm says, while one is raised. */
    public Optional<String> alarm() {
        return Optional.ofNullable(alarm);
    }

    /** Checks a checkpoint the hub sent under {@code trust}, the key delegation this Watch stream verified. */
    public synchronized void witness(AuditCheckpoint event, TrustedKeys trust) throws IOException {
        Optional<KeyDelegation> delegation = trust.delegation().filter(KeyDelegation::hasAuditLogKey);
        if (delegation.isEmpty()) {
            if (!warnedNoKey) {
                warnedNoKey = true;
                log.warn("the hub's key delegation names no access-log key: its access log cannot be witnessed until it does");
            }
            failed("no_key");
            return;
        }
        SignedNote.Key key = new SignedNote.Key(trust.hubId() + "/access",
                new Ed25519.PublicKey(delegation.get().getAuditLogKey().getPublicKey().toByteArray()));
        Checkpoint next;
        try {
            next = Checkpoint.open(event.getNote(), key);
        } catch (SignedNote.NoteException e) {
            failed("bad_signature");
            log.warn("ignored an access-log checkpoint that does not verify under the delegated key: {}", e.getMessage());
            return;
        }
        Checkpoint before = held;
        if (before == null) {
            keep(next, event.getNote());
            log.info("witnessing the hub's access log from its checkpoint of {} entries", next.size());
            return;
        }
        if (next.size() < before.size()) {
            raise("the hub's access log shrank: it signed " + before.size() + " entries before and now signs " + next.size(), event.getNote());
        } else if (next.size() == before.size()) {
            if (!next.equals(before)) {
                raise("the hub signed two different access logs of " + next.size() + " entries (a fork)", event.getNote());
            }
        } else {
            List<byte[]> proof = event.getConsistencyList().stream().map(b -> b.toByteArray()).toList();
            if (event.getFromSize() != before.size()) {
                // Proved from another size than the one held (a stream that lost track, or a hub avoiding the proof
                // that matters): ask for that proof directly. A hub that says it cannot give it has rewritten its log.
                try {
                    Optional<List<byte[]>> asked = proofs.consistency(before.size(), next.size());
                    if (asked.isEmpty()) {
                        unproved = Math.max(unproved, next.size());
                        failed("proof_unavailable");
                        log.warn("could not ask the hub to prove its access log of {} entries extends the {} held; asked again with the next",
                                next.size(), before.size());
                        return;
                    }
                    proof = asked.get();
                } catch (Refused e) {
                    raise("the hub signed an access log of " + next.size() + " entries but cannot prove that it extends the one of "
                            + before.size() + " it signed before (" + e.getMessage() + "): it was rewritten", event.getNote());
                    return;
                }
            }
            try {
                Merkle.verifyConsistency(before.size(), next.size(), before.root(), next.root(), proof);
            } catch (Merkle.ProofException e) {
                raise("the hub's access log of " + next.size() + " entries does not extend the one of " + before.size()
                        + " it signed before (" + e.getMessage() + "): it was rewritten", event.getNote());
                return;
            }
            if (alarm == null) {
                keep(next, event.getNote());
            }
        }
    }

    private void keep(Checkpoint next, String note) throws IOException {
        DurableFile.write(heldFile, note.getBytes(StandardCharsets.UTF_8));
        held = next;
        heldNote = note;
    }

    /** Raises the alarm (in memory first, so that a full disk cannot hide it), then keeps the evidence on disk. */
    private void raise(String why, String offending) {
        failed("inconsistent");
        boolean first = alarm == null;
        alarm = why;
        log.error("ALARM: {}; the evidence is in {}", why, alarmFile);
        if (first) {
            String evidence = why + "\n\nheld since before (" + heldFile + "):\n" + heldNote + "\nsent by the hub at " + clock.instant() + ":\n"
                    + offending + "\nBoth notes are signed by the hub's access-log key. Remove this file once the cause is known.\n";
            try {
                DurableFile.write(alarmFile, evidence.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                log.error("could not keep the evidence in {}: {}; it is in this log:\n{}", alarmFile, e.toString(), evidence);
            }
        }
    }

    private void failed(String reason) {
        Counter.builder("spejl_spoke_audit_witness_failures_total")
                .description("access-log checkpoints from the hub this spoke could not accept, by reason").tag("reason", reason)
                .register(metrics).increment();
    }
}
