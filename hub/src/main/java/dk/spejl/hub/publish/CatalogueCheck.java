package dk.spejl.hub.publish;

import dk.spejl.digest.Sha256;
import dk.spejl.digest.StateRecomputation;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.catalogue.RecordStore;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.wire.Manifest;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.SignedManifest;
import dk.spejl.wire.SnapshotIndex;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code spejl-hub check} does, after {@code cvmfs_server check}: everything the hub serves is
 * checked against its signed head, so a rotten disk or a hand-edited store shows before a spoke
 * meets it (invariants 2 and 4, docs/design.md).
 * <ol>
 *   <li>The head manifest is signed by a key the key delegation names.</li>
 *   <li>The retained manifests chain, each to the one before it, up to the head.</li>
 *   <li>Every object they and the retained snapshots name is present, of its size, and hashes to its name.</li>
 *   <li>The records add up to the head's state digest and entry count.</li>
 * </ol>
 */
public final class CatalogueCheck {
    private static final int READ_BYTES = 1 << 20;
    private static final int MAX_PROBLEMS = 20;

    private CatalogueCheck() {
    }

    /** What the check found; {@code problems} is empty when everything holds. */
    public record Outcome(List<String> problems, long revision, long records, long objects, long bytes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public static Outcome run(CatalogueStore store, ObjectStore objects, TrustedKeys trust) throws IOException {
        List<String> problems = new ArrayList<>();
        Optional<Head> found = store.head();
        if (found.isEmpty()) {
            return new Outcome(List.of("the catalogue holds no revision"), -1, 0, 0, 0);
        }
        Head head = found.get();
        // 1. The head is signed by a delegated key.
        Optional<Ed25519.PublicKey> key = trust.key(head.manifest().getKeyId());
        if (key.isEmpty()) {
            problems.add("the head, revision " + head.revision() + ", is signed by key " + head.manifest().getKeyId()
                    + ", which key delegation version " + trust.version() + " does not name");
        } else if (!Ed25519.verify(key.get(), ManifestSigner.CONTEXT, head.signed().getManifest().toByteArray(),
                head.signed().getSignature().toByteArray())) {
            problems.add("the head, revision " + head.revision() + ", is not validly signed");
        }
        // 2. The retained manifests chain to the head; what each names is collected for step 3.
        Map<String, ObjectRef> named = new LinkedHashMap<>();
        java.util.Set<String> indexes = new java.util.HashSet<>();
        byte[] previous = null;
        long previousRevision = -1;
        Manifest previousManifest = null;
        for (long revision : store.manifests().revisions()) {
            SignedManifest signed;
            Manifest manifest;
            try {
                signed = store.manifests().get(revision).orElseThrow();
                manifest = Manifest.parseFrom(signed.getManifest());
            } catch (IOException e) {
                problems.add("the manifest of revision " + revision + " does not parse: " + e.getMessage());
                previous = null;
                continue;
            }
            if (!manifest.hasDelta()) {
                // A bridge (after a restore): it chains to the manifest a spoke held, which is kept, and has its own snapshot.
                checkBridge(store, trust, revision, manifest, previousManifest, problems);
            } else if (previous != null && revision == previousRevision + 1
                    && !MessageDigest.isEqual(manifest.getPreviousManifestDigest().toByteArray(), previous)) {
                problems.add("revision " + revision + " does not chain to revision " + previousRevision);
            }
            previous = ManifestSigner.digest(signed);
            previousRevision = revision;
            previousManifest = manifest;
            if (manifest.hasDelta()) {
                named.put(Sha256.hex(manifest.getDelta().getDigest().toByteArray()), manifest.getDelta());
            }
            if (manifest.hasSnapshotIndex()) {
                String index = Sha256.hex(manifest.getSnapshotIndex().getDigest().toByteArray());
                named.put(index, manifest.getSnapshotIndex());
                indexes.add(index);
            }
        }
        if (previous == null || !MessageDigest.isEqual(previous, head.manifestDigest())) {
            problems.add("the newest retained manifest is not the head");
        }
        for (ObjectRef index : store.snapshots().all().values()) {
            named.put(Sha256.hex(index.getDigest().toByteArray()), index);
            indexes.add(Sha256.hex(index.getDigest().toByteArray()));
        }
        // 3. Every named object, and every chunk of every named snapshot index, hashes to its name.
        long bytes = 0;
        Map<String, ObjectRef> chunks = new LinkedHashMap<>();
        for (Map.Entry<String, ObjectRef> object : named.entrySet()) {
            ObjectRef ref = object.getValue();
            boolean index = indexes.contains(object.getKey());
            Optional<byte[]> content = rehash(objects, ref, index, problems);
            bytes += ref.getSize();
            if (content.isPresent()) {
                try {
                    SnapshotIndex.parseFrom(content.get()).getChunksList()
                            .forEach(c -> chunks.put(Sha256.hex(c.getObject().getDigest().toByteArray()), c.getObject()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    problems.add("snapshot index " + object.getKey() + " does not parse");
                }
            }
        }
        chunks.keySet().removeAll(named.keySet());
        for (ObjectRef chunk : chunks.values()) {
            rehash(objects, chunk, false, problems);
            bytes += chunk.getSize();
        }
        // 4. The records add up to the signed state.
        StateRecomputation recomputed = new StateRecomputation();
        try (RecordStore.RecordCursor records = store.records().cursor()) {
            records.forEachRemaining(r -> recomputed.add(r.id(), r.canonical()));
        } finally {
            recomputed.finish();
        }
        problems.addAll(recomputed.problems());
        if (!MessageDigest.isEqual(recomputed.digest(), head.manifest().getStateDigest().toByteArray())
                || recomputed.count() != head.entryCount()) {
            problems.add("the records add up to state " + Sha256.shortHex(recomputed.digest()) + " over " + recomputed.count()
                    + " records; revision " + head.revision() + " signs " + Sha256.shortHex(head.manifest().getStateDigest().toByteArray())
                    + " over " + head.entryCount());
        }
        List<String> listed = problems.size() > MAX_PROBLEMS
                ? append(problems.subList(0, MAX_PROBLEMS), "... and " + (problems.size() - MAX_PROBLEMS) + " more")
                : problems;
        return new Outcome(List.copyOf(listed), head.revision(), recomputed.count(), named.size() + chunks.size(), bytes);
    }

    /**
     * A bridge: it has its own snapshot, chains to the manifest learned from a spoke (kept apart, and not a number this
     * hub also holds a manifest of its own under), and carries the state of the revision this hub held before it.
     */
    private static void checkBridge(CatalogueStore store, TrustedKeys trust, long revision, Manifest manifest, Manifest before,
                                    List<String> problems) throws IOException {
        if (!manifest.hasSnapshotIndex() || manifest.getSnapshotRevision() != revision) {
            problems.add("revision " + revision + " has no delta and no snapshot of its own");
        }
        if (store.manifests().get(revision - 1).isPresent()) {
            problems.add("bridge revision " + revision + " was published above revision " + (revision - 1)
                    + ", which this hub holds a manifest of its own under: one number names two states");
        }
        if (before != null && (!manifest.getStateDigest().equals(before.getStateDigest()) || manifest.getEntryCount() != before.getEntryCount())) {
            problems.add("bridge revision " + revision + " does not carry the state of revision " + before.getRevision() + " before it");
        }
        Optional<SignedManifest> learned = store.manifests().bridged(revision - 1);
        if (learned.isEmpty()) {
            problems.add("revision " + revision + " has no delta, and no manifest of revision " + (revision - 1) + " learned from a spoke is kept");
            return;
        }
        if (!MessageDigest.isEqual(ManifestSigner.digest(learned.get()), manifest.getPreviousManifestDigest().toByteArray())) {
            problems.add("bridge revision " + revision + " does not chain to the manifest of revision " + (revision - 1) + " it was published above");
        }
        Manifest parsed = Manifest.parseFrom(learned.get().getManifest());
        // Its key may have been rotated out since (the bridge's own key was checked when it was published): checked when known.
        Optional<Ed25519.PublicKey> key = trust.key(parsed.getKeyId());
        if (key.isPresent() && !Ed25519.verify(key.get(), ManifestSigner.CONTEXT, learned.get().getManifest().toByteArray(),
                learned.get().getSignature().toByteArray())) {
            problems.add("the manifest of revision " + (revision - 1) + " that bridge revision " + revision
                    + " was published above is not validly signed by key " + parsed.getKeyId());
        }
    }

    /** Reads an object through and hashes it; its bytes when {@code keep} and it hashes right, else empty. */
    private static Optional<byte[]> rehash(ObjectStore objects, ObjectRef ref, boolean keep, List<String> problems) throws IOException {
        String name = Sha256.hex(ref.getDigest().toByteArray());
        Optional<ObjectStore.Reader> opened = objects.open(ref.getDigest().toByteArray());
        if (opened.isEmpty()) {
            problems.add("object " + name + " is missing");
            return Optional.empty();
        }
        MessageDigest sha256 = Sha256.newDigest();
        java.io.ByteArrayOutputStream kept = keep ? new java.io.ByteArrayOutputStream() : null;
        try (ObjectStore.Reader reader = opened.get()) {
            if (reader.size() != ref.getSize()) {
                problems.add("object " + name + " holds " + reader.size() + " bytes, " + ref.getSize() + " are signed");
                return Optional.empty();
            }
            for (long at = 0; at < reader.size(); ) {
                var part = reader.read(at, READ_BYTES);
                if (part.isEmpty()) {
                    break;
                }
                sha256.update(part.asReadOnlyByteBuffer());
                if (kept != null) {
                    part.writeTo(kept);
                }
                at += part.size();
            }
        }
        if (!MessageDigest.isEqual(sha256.digest(), ref.getDigest().toByteArray())) {
            problems.add("object " + name + " does not hash to its name");
            return Optional.empty();
        }
        return kept == null ? Optional.empty() : Optional.of(kept.toByteArray());
    }

    private static List<String> append(List<String> list, String more) {
        List<String> out = new ArrayList<>(list);
        out.add(more);
        return out;
    }
}
