package dk.spejl.digest;

import dk.spejl.wire.Record;
import org.bouncycastle.crypto.digests.SHAKEDigest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The state digest's homomorphic core: LtHash16 with 1024 lanes (Bellare–Micciancio, as
 * deployed by Facebook). Each record is expanded with SHAKE128 into 1024 16-bit lanes that
 * are added modulo 2^16; removing a record subtracts its lanes. The result does not depend
 * on order, so a delta is checked at a cost that follows the delta, not the catalogue
 * (docs/design.md, "State digest").
 *
 * <p>The element is the record's canonical bytes, which include its id. The published state
 * digest is the SHA-256 of the 2048-byte lattice.
 */
public final class LtHash {
    public static final int LANES = 1024;
    public static final int BYTES = LANES * 2;
    private static final byte[] DOMAIN = "spejl.lthash16.v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle LANE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<Expander> EXPANDER = ThreadLocal.withInitial(Expander::new);

    private final short[] lanes;

    private LtHash(short[] lanes) {
        this.lanes = lanes;
    }

    public static LtHash empty() {
        return new LtHash(new short[LANES]);
    }

    public static LtHash fromBytes(byte[] lattice) {
        if (lattice.length != BYTES) {
            throw new IllegalArgumentException("a lattice has " + BYTES + " bytes, got " + lattice.length);
        }
        short[] lanes = new short[LANES];
        for (int i = 0; i < LANES; i++) {
            lanes[i] = (short) ((lattice[2 * i] & 0xff) | (lattice[2 * i + 1] & 0xff) << 8);
        }
        return new LtHash(lanes);
    }

    public LtHash copy() {
        return new LtHash(lanes.clone());
    }

    public LtHash add(Record record) {
        return addCanonical(Canonical.bytes(record));
    }

    public LtHash remove(Record record) {
        return removeCanonical(Canonical.bytes(record));
    }

    public LtHash addCanonical(byte[] canonicalRecord) {
        byte[] element = EXPANDER.get().expand(canonicalRecord);
        for (int i = 0; i < LANES; i++) {
            lanes[i] += (short) LANE.get(element, 2 * i);
        }
        return this;
    }

    public LtHash removeCanonical(byte[] canonicalRecord) {
        byte[] element = EXPANDER.get().expand(canonicalRecord);
        for (int i = 0; i < LANES; i++) {
            lanes[i] -= (short) LANE.get(element, 2 * i);
        }
        return this;
    }

    /** Adds another lattice lane by lane: lets a full recomputation run in parallel parts. */
    public LtHash combine(LtHash other) {
        for (int i = 0; i < LANES; i++) {
            lanes[i] += other.lanes[i];
        }
        return this;
    }

    public byte[] toBytes() {
        byte[] out = new byte[BYTES];
        for (int i = 0; i < LANES; i++) {
            out[2 * i] = (byte) lanes[i];
            out[2 * i + 1] = (byte) (lanes[i] >>> 8);
        }
        return out;
    }

    /** The state digest that manifests sign. */
    public byte[] digest() {
        return Sha256.of(toBytes());
    }

    /**
     * Expands an element into its 2048 bytes of lanes (little-endian), into a buffer of the calling
     * thread's that the next expansion overwrites. A publish of a million records expands a million
     * elements: reusing the digest and the buffer spares that many short-lived 2 KB arrays.
     */
    private static final class Expander {
        private final SHAKEDigest shake = new SHAKEDigest(128);
        private final byte[] out = new byte[BYTES];

        byte[] expand(byte[] element) {
            shake.update(DOMAIN, 0, DOMAIN.length);
            shake.update(element, 0, element.length);
            shake.doFinal(out, 0, BYTES);
            return out;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LtHash other && Arrays.equals(lanes, other.lanes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(lanes);
    }
}
