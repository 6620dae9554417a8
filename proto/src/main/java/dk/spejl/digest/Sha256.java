package dk.spejl.digest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the name of every published object (docs/design.md, invariant 4). */
public final class Sha256 {
    public static final int BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    public static byte[] of(byte[] bytes) {
        return newDigest().digest(bytes);
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    public static byte[] parseHex(String hex) {
        return HEX.parseHex(hex);
    }

    /** Short form for log lines. */
    public static String shortHex(byte[] digest) {
        String hex = hex(digest);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }
}
