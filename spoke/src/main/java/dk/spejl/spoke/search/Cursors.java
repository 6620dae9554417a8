package dk.spejl.spoke.search;

import dk.spejl.io.DurableFile;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.util.BytesRef;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Opaque cursors, signed by the spoke (HMAC-SHA256 under a key kept in its data directory), so a client
 * can neither forge a position nor carry one to another search. A cursor names the revision it pages
 * through, the search it belongs to, and the last hit of its page.
 */
final class Cursors {
    private static final int VERSION = 1;
    private static final int TAG_BYTES = 16;
    private final SecretKeySpec key;

    /** The position a cursor holds: its revision, the search's fingerprint, and the last hit as Lucene's search-after. */
    record Position(long revision, byte[] fingerprint, FieldDoc after) {
    }

    /** A cursor that this spoke did not make, or that was changed. */
    static final class BadCursor extends Exception {
        BadCursor(String message) {
            super(message);
        }
    }

    Cursors(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /** The key in {@code file}, made (32 random bytes, mode 0600) on first use. */
    static Cursors keyIn(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Files.createDirectories(file.getParent());
            DurableFile.writePrivate(file, fresh);
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != 32) {
            throw new IOException(file + " is not a cursor key (32 bytes); remove it and a new one is made (cursors given out before stop working)");
        }
        return new Cursors(key);
    }

    String encode(Position position) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeLong(position.revision());
            out.write(position.fingerprint());
            FieldDoc after = position.after();
            out.writeInt(after.doc);
            out.writeFloat(after.score);
            out.writeByte(after.fields.length);
            for (Object field : after.fields) {
                if (field instanceof Long l) {
                    out.writeByte('L');
                    out.writeLong(l);
                } else if (field instanceof Float f) {
                    out.writeByte('F');
                    out.writeFloat(f);
                } else if (field instanceof BytesRef b) {
                    out.writeByte('B');
                    out.writeShort(b.length);
                    out.write(b.bytes, b.offset, b.length);
                } else if (field == null) {
                    out.writeByte('N');
                } else {
                    throw new IllegalArgumentException("cannot put a " + field.getClass() + " in a cursor");
                }
            }
            byte[] body = bytes.toByteArray();
            byte[] tag = tag(body);
            byte[] all = Arrays.copyOf(body, body.length + TAG_BYTES);
            System.arraycopy(tag, 0, all, body.length, TAG_BYTES);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(all);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Position decode(String cursor) throws BadCursor {
        byte[] all;
        try {
            all = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new BadCursor("not a cursor this spoke gave out");
        }
        if (all.length < 1 + 8 + 32 + 4 + 4 + 1 + TAG_BYTES) {
            throw new BadCursor("not a cursor this spoke gave out");
        }
        byte[] body = Arrays.copyOf(all, all.length - TAG_BYTES);
        byte[] tag = Arrays.copyOfRange(all, all.length - TAG_BYTES, all.length);
        if (!MessageDigest.isEqual(tag, Arrays.copyOf(tag(body), TAG_BYTES))) {
            throw new BadCursor("not a cursor this spoke gave out (or it was changed)");
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
            if (in.readByte() != VERSION) {
                throw new BadCursor("a cursor of another version; start the search again");
            }
            long revision = in.readLong();
            byte[] fingerprint = in.readNBytes(32);
            int doc = in.readInt();
            float score = in.readFloat();
            Object[] fields = new Object[in.readByte()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = switch (in.readByte()) {
                    case 'L' -> in.readLong();
                    case 'F' -> in.readFloat();
                    case 'B' -> {
                        byte[] b = in.readNBytes(in.readShort());
                        yield new BytesRef(b);
                    }
                    case 'N' -> null;
                    default -> throw new BadCursor("not a cursor this spoke gave out");
                };
            }
            return new Position(revision, fingerprint, new FieldDoc(doc, score, fields));
        } catch (IOException e) {
            throw new BadCursor("not a cursor this spoke gave out");
        }
    }

    private byte[] tag(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
