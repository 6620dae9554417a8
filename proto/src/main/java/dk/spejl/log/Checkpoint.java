package dk.spejl.log;

import java.util.Base64;

/**
 * A log's signed statement of its size and root (c2sp.org/tlog-checkpoint, v1.0.0): the text of a signed note,
 * "origin\nsize\nbase64(root)\n". The origin names the log, and the signing key's name is the origin.
 */
public record Checkpoint(String origin, long size, byte[] root) {
    public Checkpoint {
        if (origin.isEmpty() || origin.chars().anyMatch(c -> c < 0x20 || c == '+' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("a checkpoint's origin is not empty and holds no space, '+' or control character");
        }
        if (size < 0) {
            throw new IllegalArgumentException("a checkpoint's size is not negative");
        }
        if (root.length != Merkle.HASH_BYTES) {
            throw new IllegalArgumentException("a checkpoint's root has " + Merkle.HASH_BYTES + " bytes");
        }
        root = root.clone();
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    /** The note text. */
    public String text() {
        return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n";
    }

    /** Reads a checkpoint's note text; extension lines after the root are allowed and ignored. */
    public static Checkpoint parse(String text) throws SignedNote.NoteException {
        if (!text.endsWith("\n")) {
            throw new SignedNote.NoteException("a checkpoint's text ends in a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw new SignedNote.NoteException("a checkpoint is an origin, a size and a root, a line each");
        }
        for (String line : lines) {
            if (line.isEmpty()) {
                throw new SignedNote.NoteException("a checkpoint has no empty lines");
            }
        }
        if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
            throw new SignedNote.NoteException("a checkpoint's size is a decimal number without leading zeros: " + lines[1]);
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new SignedNote.NoteException("a checkpoint's size is too large: " + lines[1]);
        }
        byte[] root;
        try {
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw new SignedNote.NoteException("a checkpoint's root is base64");
        }
        try {
            return new Checkpoint(lines[0], size, root);
        } catch (IllegalArgumentException e) {
            throw new SignedNote.NoteException(e.getMessage());
        }
    }

    /** Signs this checkpoint with the log's key, named as its origin. */
    public String sign(dk.spejl.signing.Ed25519.PrivateKey key) throws SignedNote.NoteException {
        return SignedNote.sign(text(), origin, key);
    }

    /** The checkpoint in {@code note}, if {@code key} (named as the log's origin) signed it. */
    public static Checkpoint open(String note, SignedNote.Key key) throws SignedNote.NoteException {
        Checkpoint checkpoint = parse(SignedNote.open(note, key));
        if (!checkpoint.origin().equals(key.name())) {
            throw new SignedNote.NoteException("the checkpoint is of log " + checkpoint.origin() + ", not of " + key.name());
        }
        return checkpoint;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.origin.equals(origin) && c.size == size && java.util.Arrays.equals(c.root, root);
    }

    @Override
    public int hashCode() {
        return origin.hashCode() * 31 + Long.hashCode(size) * 17 + java.util.Arrays.hashCode(root);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + origin + ", " + size + ", " + Base64.getEncoder().encodeToString(root) + "]";
    }
}
