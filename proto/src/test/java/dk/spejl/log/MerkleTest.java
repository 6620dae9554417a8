package dk.spejl.log;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * RFC 9162 hashing and proofs against the published vectors of the 8-leaf tree (transparency-dev/merkle,
 * testonly/constants.go and testdata/{inclusion,consistency}/N/happy-path.json, leaves numbered from 0), and
 * every proof of every pair of sizes up to 40 made and checked, with each of its hashes, its length and its
 * sizes tampered with.
 */
class MerkleTest {
    private static final HexFormat HEX = HexFormat.of();
    static final String[] LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
    static final String[] ROOTS = {
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    private static final String L0 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
    private static final String L1 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
    private static final String L4 = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b";
    private static final String L5 = "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658";
    private static final String L6 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f";
    private static final String N01 = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125";
    private static final String N23 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e";
    private static final String N45 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a";
    private static final String N67 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0";
    private static final String N0_4 = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7";
    private static final String N4_8 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4";

    /** Perfect subtrees computed from the entries themselves, as a store would keep them. */
    static Merkle.Nodes nodes(List<byte[]> entries) {
        return new Merkle.Nodes() {
            @Override
            public byte[] hash(int level, long index) {
                if (level == 0) {
                    return Merkle.leafHash(entries.get((int) index));
                }
                return Merkle.nodeHash(hash(level - 1, 2 * index), hash(level - 1, 2 * index + 1));
            }
        };
    }

    private static List<byte[]> eight() {
        List<byte[]> entries = new ArrayList<>();
        for (String leaf : LEAVES) {
            entries.add(HEX.parseHex(leaf));
        }
        return entries;
    }

    private static List<byte[]> hashes(String... hex) {
        List<byte[]> out = new ArrayList<>();
        for (String h : hex) {
            out.add(HEX.parseHex(h));
        }
        return out;
    }

    @Test
    void theRootsOfTheEightLeafTreeAreThePublishedOnes() throws Exception {
        Merkle.Nodes nodes = nodes(eight());
        for (int n = 0; n <= 8; n++) {
            assertThat(HEX.formatHex(Merkle.root(nodes, n))).as("root of " + n).isEqualTo(ROOTS[n]);
        }
        assertThat(HEX.formatHex(Merkle.leafHash(new byte[0]))).isEqualTo(L0);
        assertThat(HEX.formatHex(Merkle.nodeHash("N123".getBytes(), "N456".getBytes())))
                .isEqualTo("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
    }

    @Test
    void inclusionProofsAreThePublishedOnesAndCheckOut() throws Exception {
        Merkle.Nodes nodes = nodes(eight());
        Object[][] cases = {
                {0L, 1L, L0, hashes()},
                {0L, 8L, L0, hashes(L1, N23, N4_8)},
                {5L, 8L, L5, hashes(L4, N67, N0_4)},
                {2L, 3L, "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", hashes(N01)},
                {1L, 5L, L1, hashes(L0, N23, L4)}};
        for (Object[] c : cases) {
            long index = (long) c[0];
            long size = (long) c[1];
            @SuppressWarnings("unchecked") List<byte[]> expected = (List<byte[]>) c[3];
            List<byte[]> proof = Merkle.inclusionProof(nodes, index, size);
            assertThat(proof.stream().map(HEX::formatHex).toList()).as(index + " in " + size)
                    .isEqualTo(expected.stream().map(HEX::formatHex).toList());
            Merkle.verifyInclusion(HEX.parseHex((String) c[2]), index, size, proof, HEX.parseHex(ROOTS[(int) size]));
        }
    }

    @Test
    void consistencyProofsAreThePublishedOnesAndCheckOut() throws Exception {
        Merkle.Nodes nodes = nodes(eight());
        Object[][] cases = {
                {1L, 1L, hashes()},
                {1L, 8L, hashes(L1, N23, N4_8)},
                {6L, 8L, hashes(N45, N67, N0_4)},
                {2L, 5L, hashes(N23, L4)},
                {6L, 7L, hashes(N45, L6, N0_4)}};
        for (Object[] c : cases) {
            long first = (long) c[0];
            long second = (long) c[1];
            @SuppressWarnings("unchecked") List<byte[]> expected = (List<byte[]>) c[2];
            List<byte[]> proof = Merkle.consistencyProof(nodes, first, second);
            assertThat(proof.stream().map(HEX::formatHex).toList()).as(first + " to " + second)
                    .isEqualTo(expected.stream().map(HEX::formatHex).toList());
            Merkle.verifyConsistency(first, second, HEX.parseHex(ROOTS[(int) first]), HEX.parseHex(ROOTS[(int) second]), proof);
        }
    }

    @Test
    void everyProofUpToFortyLeavesChecksOutAndFailsWhenAnythingInItIsChanged() throws Exception {
        List<byte[]> entries = new ArrayList<>();
        Random random = new Random(9162);
        for (int i = 0; i < 40; i++) {
            byte[] e = new byte[random.nextInt(40)];
            random.nextBytes(e);
            entries.add(e);
        }
        Merkle.Nodes nodes = nodes(entries);
        byte[][] roots = new byte[41][];
        for (int n = 0; n <= 40; n++) {
            roots[n] = Merkle.root(nodes, n);
        }
        for (int treeSize = 1; treeSize <= 40; treeSize++) {
            int size = treeSize;
            for (int leafIndex = 0; leafIndex < size; leafIndex++) {
                int index = leafIndex;
                byte[] leaf = Merkle.leafHash(entries.get(index));
                List<byte[]> proof = Merkle.inclusionProof(nodes, index, size);
                Merkle.verifyInclusion(leaf, index, size, proof, roots[size]);
                assertRefused(() -> Merkle.verifyInclusion(Merkle.leafHash(new byte[] {9}), index, size, proof, roots[size]));
                assertRefused(() -> Merkle.verifyInclusion(leaf, index, size, proof, roots[size == 1 ? 2 : size - 1]));
                if (size > 1) {
                    int other = (index + 1) % size;
                    assertRefused(() -> Merkle.verifyInclusion(leaf, other, size, proof, roots[size]));
                }
                for (int i = 0; i < proof.size(); i++) {
                    List<byte[]> bad = flipped(proof, i);
                    assertRefused(() -> Merkle.verifyInclusion(leaf, index, size, bad, roots[size]));
                }
                List<byte[]> longer = new ArrayList<>(proof);
                longer.add(roots[size]);
                assertRefused(() -> Merkle.verifyInclusion(leaf, index, size, longer, roots[size]));
                if (!proof.isEmpty()) {
                    assertRefused(() -> Merkle.verifyInclusion(leaf, index, size, proof.subList(0, proof.size() - 1), roots[size]));
                }
            }
            for (int first = 1; first <= size; first++) {
                List<byte[]> proof = Merkle.consistencyProof(nodes, first, size);
                int m = first;
                int n = size;
                Merkle.verifyConsistency(m, n, roots[m], roots[n], proof);
                if (m < n) {
                    assertRefused(() -> Merkle.verifyConsistency(m, n, roots[m == 1 ? 2 : m - 1], roots[n], proof));
                    assertRefused(() -> Merkle.verifyConsistency(m, n, roots[m], roots[n - 1], proof));
                    for (int i = 0; i < proof.size(); i++) {
                        List<byte[]> bad = flipped(proof, i);
                        assertRefused(() -> Merkle.verifyConsistency(m, n, roots[m], roots[n], bad));
                    }
                    assertRefused(() -> Merkle.verifyConsistency(m, n, roots[m], roots[n], proof.subList(0, proof.size() - 1)));
                }
            }
        }
        assertRefused(() -> Merkle.consistencyProof(nodes, 0, 5));
        assertRefused(() -> Merkle.consistencyProof(nodes, 6, 5));
        assertRefused(() -> Merkle.inclusionProof(nodes, 5, 5));
        assertRefused(() -> Merkle.verifyConsistency(0, 5, roots[0], roots[5], List.of(roots[5])));
    }

    private static List<byte[]> flipped(List<byte[]> proof, int i) {
        List<byte[]> bad = new ArrayList<>(proof);
        byte[] h = bad.get(i).clone();
        h[i % h.length] ^= 1;
        bad.set(i, h);
        return bad;
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void assertRefused(Check check) {
        assertThatThrownBy(check::run).isInstanceOf(Merkle.ProofException.class);
    }
}
