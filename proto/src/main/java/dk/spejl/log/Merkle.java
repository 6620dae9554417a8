package dk.spejl.log;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 Merkle trees (section 2.1, as RFC 6962's): leaf hash SHA-256(0x00 ‖ entry), node hash
 * SHA-256(0x01 ‖ left ‖ right), a tree of n leaves split at the largest power of two below n. Inclusion and
 * consistency proofs are made from a {@link Nodes} source of the perfect subtrees' hashes, which an append-only
 * store keeps as it grows, and checked by the RFC's verification algorithms (2.1.3.2 and 2.1.4.2).
 */
public final class Merkle {
    public static final int HASH_BYTES = 32;

    private Merkle() {
    }

    /**
     * The hashes of perfect subtrees: {@code hash(level, index)} covers leaves [index·2^level, (index+1)·2^level).
     * Level 0 is the leaf hashes.
     */
    @FunctionalInterface
    public interface Nodes {
        byte[] hash(int level, long index) throws IOException;
    }

    /** A proof that does not check out, or was asked of sizes that have none. */
    public static final class ProofException extends Exception {
        public ProofException(String message) {
            super(message);
        }
    }

    public static byte[] emptyRoot() {
        return sha256().digest();
    }

    public static byte[] leafHash(byte[] entry) {
        MessageDigest d = sha256();
        d.update((byte) 0x00);
        return d.digest(entry);
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest d = sha256();
        d.update((byte) 0x01);
        d.update(left);
        return d.digest(right);
    }

    /** The largest power of two smaller than {@code n} (n ≥ 2). */
    static long split(long n) {
        return Long.highestOneBit(n - 1);
    }

    /** The root of the tree's first {@code size} leaves. */
    public static byte[] root(Nodes nodes, long size) throws IOException {
        return size == 0 ? emptyRoot() : range(nodes, 0, size);
    }

    /** MTH(D[from:to]) for a range the RFC's recursion reaches: a perfect subtree is read, any other is split. */
    static byte[] range(Nodes nodes, long from, long to) throws IOException {
        long n = to - from;
        if (Long.bitCount(n) == 1 && from % n == 0) {
            return nodes.hash(Long.numberOfTrailingZeros(n), from / n);
        }
        long k = split(n);
        return nodeHash(range(nodes, from, from + k), range(nodes, from + k, to));
    }

    /** PATH(index, D[size]): the audit path of leaf {@code index} in the tree of {@code size}, leaf's sibling first. */
    public static List<byte[]> inclusionProof(Nodes nodes, long index, long size) throws IOException, ProofException {
        if (index < 0 || index >= size) {
            throw new ProofException("leaf " + index + " is not in a tree of " + size);
        }
        List<byte[]> path = new ArrayList<>();
        path(nodes, index, 0, size, path);
        return path;
    }

    private static void path(Nodes nodes, long m, long from, long to, List<byte[]> out) throws IOException {
        long n = to - from;
        if (n == 1) {
            return;
        }
        long k = split(n);
        if (m < k) {
            path(nodes, m, from, from + k, out);
            out.add(range(nodes, from + k, to));
        } else {
            path(nodes, m - k, from + k, to, out);
            out.add(range(nodes, from, from + k));
        }
    }

    /** PROOF(first, D[second]): that the tree of {@code first} leaves is a prefix of the tree of {@code second}. */
    public static List<byte[]> consistencyProof(Nodes nodes, long first, long second) throws IOException, ProofException {
        if (first <= 0 || first > second) {
            throw new ProofException("no consistency proof from a tree of " + first + " to one of " + second);
        }
        List<byte[]> proof = new ArrayList<>();
        if (first < second) {
            subproof(nodes, first, 0, second, true, proof);
        }
        return proof;
    }

    private static void subproof(Nodes nodes, long m, long from, long to, boolean whole, List<byte[]> out) throws IOException {
        long n = to - from;
        if (m == n) {
            if (!whole) {
                out.add(range(nodes, from, to));
            }
            return;
        }
        long k = split(n);
        if (m <= k) {
            subproof(nodes, m, from, from + k, whole, out);
            out.add(range(nodes, from + k, to));
        } else {
            subproof(nodes, m - k, from + k, to, false, out);
            out.add(range(nodes, from, from + k));
        }
    }

    /** RFC 9162 2.1.3.2: that {@code leafHash} is leaf {@code index} of the tree of {@code size} whose root is {@code root}. */
    public static void verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> path, byte[] root) throws ProofException {
        if (index < 0 || index >= size) {
            throw new ProofException("leaf " + index + " is not in a tree of " + size);
        }
        requireHash(leafHash, "leaf hash");
        requireHash(root, "root");
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : path) {
            requireHash(p, "proof hash");
            if (sn == 0) {
                throw new ProofException("the inclusion proof is longer than a tree of " + size + " needs");
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            throw new ProofException("the inclusion proof is shorter than a tree of " + size + " needs");
        }
        if (!MessageDigest.isEqual(r, root)) {
            throw new ProofException("leaf " + index + " is not in the tree of " + size + " with that root");
        }
    }

    /** RFC 9162 2.1.4.2: that the tree of {@code first} leaves with {@code firstRoot} is a prefix of the one of {@code second}. */
    public static void verifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot, List<byte[]> proof)
            throws ProofException {
        requireHash(firstRoot, "first root");
        requireHash(secondRoot, "second root");
        if (first <= 0 || first > second) {
            throw new ProofException("no consistency proof from a tree of " + first + " to one of " + second);
        }
        if (first == second) {
            if (!proof.isEmpty()) {
                throw new ProofException("a tree is consistent with itself by an empty proof");
            }
            if (!MessageDigest.isEqual(firstRoot, secondRoot)) {
                throw new ProofException("two roots for the tree of " + first);
            }
            return;
        }
        if (proof.isEmpty()) {
            throw new ProofException("an empty consistency proof from " + first + " to " + second);
        }
        List<byte[]> path = new ArrayList<>(proof.size() + 1);
        if (Long.bitCount(first) == 1) {
            path.add(firstRoot);
        }
        path.addAll(proof);
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        byte[] fr = requireHash(path.get(0), "proof hash");
        byte[] sr = fr;
        for (byte[] c : path.subList(1, path.size())) {
            requireHash(c, "proof hash");
            if (sn == 0) {
                throw new ProofException("the consistency proof is longer than " + first + " to " + second + " needs");
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>>= 1;
                        sn >>>= 1;
                    }
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            throw new ProofException("the consistency proof is shorter than " + first + " to " + second + " needs");
        }
        if (!MessageDigest.isEqual(fr, firstRoot) || !MessageDigest.isEqual(sr, secondRoot)) {
            throw new ProofException("the tree of " + first + " is not a prefix of the tree of " + second + " with those roots");
        }
    }

    private static byte[] requireHash(byte[] hash, String what) throws ProofException {
        if (hash == null || hash.length != HASH_BYTES) {
            throw new ProofException("a " + what + " has " + HASH_BYTES + " bytes");
        }
        return hash;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
