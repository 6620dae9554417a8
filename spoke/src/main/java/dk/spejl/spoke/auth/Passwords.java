package dk.spejl.spoke.auth;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Local users' passwords: Argon2id (RFC 9106) through BouncyCastle, with OWASP's parameters (19 MiB, two passes,
 * one lane), kept as PHC strings ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}) and compared in constant time.
 * A semaphore bounds how many hashes run at once, so that a burst of logins costs waiting, not memory: each hash
 * holds 19 MiB while it runs.
 */
public final class Passwords {
    /** The parameters new hashes get (OWASP's password storage cheat sheet, first choice for Argon2id). */
    public static final int MEMORY_KIB = 19_456;
    public static final int ITERATIONS = 2;
    public static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    /** A stored hash asking for more than this is refused rather than computed (a tampered file cannot exhaust memory). */
    private static final int MAX_MEMORY_KIB = 256 * 1024;
    private static final int MAX_ITERATIONS = 16;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{11,64})\\$([A-Za-z0-9+/]{22,128})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private final Semaphore hashing;
    private final long waitMillis;
    private final SecureRandom random = new SecureRandom();

    /** At most {@code concurrent} hashes at once; a caller waits up to {@code waitMillis} for its turn. */
    public Passwords(int concurrent, long waitMillis) {
        this.hashing = new Semaphore(concurrent, true);
        this.waitMillis = waitMillis;
    }

    /** Too many logins are being checked at once: try again shortly. */
    public static final class Busy extends Exception {
        Busy() {
            super("too many logins are being checked at once; try again in a moment");
        }
    }

    /** A new PHC string for {@code password}, with a fresh salt. */
    public String hash(char[] password) throws Busy {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2id(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt)
                + "$" + B64.encodeToString(hash);
    }

    /** Whether {@code password} is the one {@code phc} was made from; false for a string that is not such a hash. */
    public boolean verify(char[] password, String phc) throws Busy {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            return false;
        }
        int memory = Integer.parseInt(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        int parallelism = Integer.parseInt(m.group(3));
        if (memory < 8 * parallelism || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS || parallelism < 1) {
            return false;
        }
        byte[] salt;
        byte[] expected;
        try {
            salt = Base64.getDecoder().decode(m.group(4));
            expected = Base64.getDecoder().decode(m.group(5));
        } catch (IllegalArgumentException e) {
            return false; // base64 of an impossible length
        }
        byte[] actual = argon2id(password, salt, memory, iterations, parallelism, expected.length);
        return MessageDigest.isEqual(actual, expected);
    }

    /** Whether {@code phc} was made with weaker parameters than new hashes get (it is made again at the user's next login). */
    public static boolean outdated(String phc) {
        Matcher m = PHC.matcher(phc);
        return !m.matches() || Integer.parseInt(m.group(1)) < MEMORY_KIB || Integer.parseInt(m.group(2)) < ITERATIONS;
    }

    private byte[] argon2id(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) throws Busy {
        try {
            if (!hashing.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        try {
            return raw(utf8(password), salt, null, null, memoryKib, iterations, parallelism, length);
        } finally {
            hashing.release();
        }
    }

    /** Argon2id itself (no semaphore): also what the RFC 9106 test vector is checked with. */
    static byte[] raw(byte[] password, byte[] salt, byte[] secret, byte[] additional, int memoryKib, int iterations, int parallelism,
                      int length) {
        // Builder() without an argument would give Argon2i: the type is named.
        Argon2Parameters.Builder p = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism).withSalt(salt);
        if (secret != null) {
            p.withSecret(secret);
        }
        if (additional != null) {
            p.withAdditional(additional);
        }
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(p.build());
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }

    private static byte[] utf8(char[] password) {
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }
}
