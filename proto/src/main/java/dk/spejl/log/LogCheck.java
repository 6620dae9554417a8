package dk.spejl.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The check behind {@link MerkleLog#verify}: the whole log read back against its hashes and signed checkpoints. */
final class LogCheck {
    private LogCheck() {
    }

    /**
     * Reads the whole log back and checks it against itself and its signed checkpoints: every entry in its place,
     * its hash and every stored subtree hash recomputed, and every checkpoint's signature and root. An edited,
     * removed, inserted or reordered entry is found at its index when the hashes were left alone, and otherwise
     * at the first index after the last checkpoint that still matches.
     */
    static LogVerification verify(MerkleLog log) throws IOException {
        java.util.TreeMap<Long, byte[]> roots = new java.util.TreeMap<>();
        int checkpoints = 0;
        try (var it = log.iterator()) {
            for (it.seek(new byte[] {'c'}); it.isValid() && it.key()[0] == 'c'; it.next()) {
                long at = ByteBuffer.wrap(it.key(), 1, 8).getLong();
                Checkpoint checkpoint;
                try {
                    checkpoint = Checkpoint.open(new String(it.value(), StandardCharsets.UTF_8), log.checkpointKey());
                } catch (SignedNote.NoteException e) {
                    return new LogVerification(0, checkpoints, previous(roots, at), "the checkpoint at " + at + " does not verify: " + e.getMessage());
                }
                if (checkpoint.size() != at) {
                    return new LogVerification(0, checkpoints, previous(roots, at), "the checkpoint stored at " + at + " is of size " + checkpoint.size());
                }
                roots.put(at, checkpoint.root());
                checkpoints++;
            }
        }
        List<byte[]> peaks = new ArrayList<>(); // the recomputed roots of the perfect subtrees so far, largest first
        long n = 0;
        try (var it = log.iterator()) {
            for (it.seek(new byte[] {'e'}); it.isValid() && it.key()[0] == 'e'; it.next(), n++) {
                long index = ByteBuffer.wrap(it.key(), 1, 8).getLong();
                if (index != n) {
                    return new LogVerification(n, checkpoints, n, "entry " + n + " is missing");
                }
                byte[] hash = Merkle.leafHash(it.value());
                if (!java.security.MessageDigest.isEqual(hash, log.get(MerkleLog.nodeKey(0, n)))) {
                    return new LogVerification(n, checkpoints, n, "entry " + n + " does not match its hash");
                }
                peaks.add(hash);
                for (int level = 0; ((n >>> level) & 1) == 1; level++) {
                    byte[] right = peaks.remove(peaks.size() - 1);
                    byte[] parent = Merkle.nodeHash(peaks.remove(peaks.size() - 1), right);
                    if (!java.security.MessageDigest.isEqual(parent, log.get(MerkleLog.nodeKey(level + 1, n >>> (level + 1))))) {
                        long first = (n >>> (level + 1)) << (level + 1);
                        return new LogVerification(n, checkpoints, first, "the hashes over entries " + first + " to " + n + " do not match them");
                    }
                    peaks.add(parent);
                }
                byte[] expected = roots.get(n + 1);
                if (expected != null && !java.security.MessageDigest.isEqual(expected, fold(peaks))) {
                    long from = previous(roots, n + 1);
                    return new LogVerification(n + 1, checkpoints, from, "the entries from " + from + " no longer match the checkpoint of " + (n + 1));
                }
            }
        }
        if (n != log.size() || (!roots.isEmpty() && roots.lastKey() > n)) {
            return new LogVerification(n, checkpoints, n, "the log holds " + n + " entries, but says " + log.size()
                    + (roots.isEmpty() ? "" : " and its last checkpoint " + roots.lastKey()));
        }
        return new LogVerification(n, checkpoints, -1, "");
    }

    /** The size of the last checkpoint before {@code size} (0 when there is none): where an unprovable change may begin. */
    private static long previous(java.util.TreeMap<Long, byte[]> roots, long size) {
        Long before = roots.lowerKey(size);
        return before == null ? 0 : before;
    }

    /** The root of a tree from its perfect subtrees' roots, largest first: folded from the right. */
    private static byte[] fold(List<byte[]> peaks) {
        byte[] root = peaks.get(peaks.size() - 1);
        for (int i = peaks.size() - 2; i >= 0; i--) {
            root = Merkle.nodeHash(peaks.get(i), root);
        }
        return root;
    }
}
