package dk.spejl.log;

import dk.spejl.signing.Ed25519;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * C2SP signed notes (c2sp.org/signed-note, v1.0.0) with Ed25519 keys: a text of lines each ending in a newline,
 * a blank line, and signature lines "— name base64(key id ‖ signature)". The key id is the first four bytes of
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key); the signature is pure Ed25519 over the text's bytes.
 */
public final class SignedNote {
    private static final String DASH = "\u2014 ";
    private static final byte ED25519 = 0x01;

    private SignedNote() {
    }

    /** A note that is not well formed, or whose signature by the key asked for is missing or wrong. */
    public static final class NoteException extends Exception {
        public NoteException(String message) {
            super(message);
        }
    }

    /** A named Ed25519 key, as notes name their signers. */
    public record Key(String name, Ed25519.PublicKey publicKey) {
        public Key {
            if (name.isEmpty() || name.chars().anyMatch(c -> c == '+' || Character.isWhitespace(c) || c < 0x20)) {
                throw new IllegalArgumentException("a note key's name is not empty and holds no space or '+': " + name);
            }
        }

        /** The four bytes that name this key in a signature line, as an unsigned big-endian number. */
        public long keyId() {
            MessageDigest d = sha256();
            d.update(name.getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
            d.update(ED25519);
            byte[] id = d.digest(publicKey.encoded());
            return ByteBuffer.wrap(id, 0, 4).getInt() & 0xffffffffL;
        }

        /** The verifier key string: name+hex key id+base64(0x01 ‖ public key). */
        public String verifierKey() {
            byte[] typed = new byte[1 + Ed25519.KEY_BYTES];
            typed[0] = ED25519;
            System.arraycopy(publicKey.encoded(), 0, typed, 1, Ed25519.KEY_BYTES);
            return name + "+" + String.format("%08x", keyId()) + "+" + Base64.getEncoder().encodeToString(typed);
        }

        /** Parses a verifier key string, checking that its key id is its own. */
        public static Key parse(String verifierKey) throws NoteException {
            String[] parts = verifierKey.split("\\+", 3);
            if (parts.length != 3) {
                throw new NoteException("a verifier key is name+id+key");
            }
            byte[] typed;
            try {
                typed = Base64.getDecoder().decode(parts[2]);
            } catch (IllegalArgumentException e) {
                throw new NoteException("a verifier key's key is base64");
            }
            if (typed.length != 1 + Ed25519.KEY_BYTES || typed[0] != ED25519) {
                throw new NoteException("a verifier key is an Ed25519 key (type 0x01, 32 bytes)");
            }
            Key key;
            try {
                key = new Key(parts[0], new Ed25519.PublicKey(java.util.Arrays.copyOfRange(typed, 1, typed.length)));
            } catch (IllegalArgumentException e) {
                throw new NoteException(e.getMessage());
            }
            if (!String.format("%08x", key.keyId()).equals(parts[1])) {
                throw new NoteException("a verifier key's id does not match its name and key");
            }
            return key;
        }
    }

    /** Signs {@code text} (lines each ending in a newline) as {@code name}: the whole note. */
    public static String sign(String text, String name, Ed25519.PrivateKey key) throws NoteException {
        checkText(text);
        Key signer = new Key(name, key.publicKey());
        byte[] signature = Ed25519.signMessage(key, text.getBytes(StandardCharsets.UTF_8));
        ByteBuffer line = ByteBuffer.allocate(4 + signature.length).putInt((int) signer.keyId()).put(signature);
        return text + "\n" + DASH + name + " " + Base64.getEncoder().encodeToString(line.array()) + "\n";
    }

    /**
     * The text of {@code note}, its signatures not checked: for a note its reader verified when it took it, and kept
     * in a file of its own.
     */
    public static String unverifiedText(String note) throws NoteException {
        int split = note.lastIndexOf("\n\n");
        if (split < 0) {
            throw new NoteException("a signed note is text, a blank line and signature lines, each ending in a newline");
        }
        String text = note.substring(0, split + 1);
        checkText(text);
        return text;
    }

    /**
     * The text of {@code note} if {@code key} signed it. Signatures by other keys are passed over, as the format
     * asks; a note without a good signature by {@code key} is refused.
     */
    public static String open(String note, Key key) throws NoteException {
        int split = note.lastIndexOf("\n\n");
        if (split < 0 || !note.endsWith("\n") || split + 2 >= note.length()) {
            throw new NoteException("a signed note is text, a blank line and signature lines, each ending in a newline");
        }
        String text = note.substring(0, split + 1);
        checkText(text);
        List<String> lines = new ArrayList<>(List.of(note.substring(split + 2, note.length() - 1).split("\n", -1)));
        if (lines.size() > 100) {
            throw new NoteException("a signed note has at most 100 signatures");
        }
        boolean signed = false;
        for (String line : lines) {
            if (!line.startsWith(DASH)) {
                throw new NoteException("a signature line begins with an em dash and a space");
            }
            String[] parts = line.substring(DASH.length()).split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty()) {
                throw new NoteException("a signature line is a key name and a base64 signature");
            }
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new NoteException("a signature is base64");
            }
            if (blob.length < 4) {
                throw new NoteException("a signature starts with its key's four-byte id");
            }
            long id = ByteBuffer.wrap(blob, 0, 4).getInt() & 0xffffffffL;
            if (!parts[0].equals(key.name()) || id != key.keyId()) {
                continue; // another signer's: a witness's, or a key this reader does not know
            }
            byte[] signature = java.util.Arrays.copyOfRange(blob, 4, blob.length);
            if (!Ed25519.verifyMessage(key.publicKey(), text.getBytes(StandardCharsets.UTF_8), signature)) {
                throw new NoteException("the signature by " + key.name() + " does not match the note");
            }
            signed = true;
        }
        if (!signed) {
            throw new NoteException("the note has no signature by " + key.name());
        }
        return text;
    }

    private static void checkText(String text) throws NoteException {
        if (text.isEmpty() || !text.endsWith("\n")) {
            throw new NoteException("a note's text is lines, each ending in a newline");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\n') {
                throw new NoteException("a note holds no control characters but newlines");
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
