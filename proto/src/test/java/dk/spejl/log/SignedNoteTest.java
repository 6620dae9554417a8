package dk.spejl.log;

import dk.spejl.signing.Ed25519;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * C2SP signed notes and checkpoints against published vectors: golang.org/x/mod sumdb/note note_test.go (the
 * PeterNeumann key and note), the example of c2sp.org/signed-note v1.0.0, and transparency-dev/formats
 * log/checkpoint_test.go (the checkpoint text cases).
 */
class SignedNoteTest {
    private static final String PETER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    /** The seed in PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz (after its type byte). */
    private static final byte[] PETER_SEED = java.util.Arrays.copyOfRange(
            Base64.getDecoder().decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"), 1, 33);
    private static final String TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private static final String SIGNED = TEXT + "\n"
            + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private static final String ENOCH = "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    @Test
    void signingAndOpeningMatchThePublishedNote() throws Exception {
        SignedNote.Key key = SignedNote.Key.parse(PETER);
        assertThat(key.keyId()).isEqualTo(0xc74f20a3L);
        assertThat(key.verifierKey()).isEqualTo(PETER);
        Ed25519.PrivateKey seed = new Ed25519.PrivateKey(PETER_SEED);
        assertThat(seed.publicKey().encoded()).isEqualTo(key.publicKey().encoded());
        assertThat(SignedNote.sign(TEXT, "PeterNeumann", seed)).isEqualTo(SIGNED); // Ed25519 is deterministic
        assertThat(SignedNote.open(SIGNED, key)).isEqualTo(TEXT);
        // Another signer's line is passed over.
        assertThat(SignedNote.open(SIGNED + ENOCH, key)).isEqualTo(TEXT);
        assertThat(SignedNote.open(TEXT + "\n" + ENOCH.trim() + "\n" + SIGNED.substring(TEXT.length() + 1), key)).isEqualTo(TEXT);
    }

    @Test
    void theSpecificationsExampleOpens() throws Exception {
        SignedNote.Key key = SignedNote.Key.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
        assertThat(SignedNote.open("This is an example message.\n\n\u2014 example.com/foo "
                + "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n", key))
                .isEqualTo("This is an example message.\n");
    }

    @Test
    void malformedOrTamperedNotesAreRefused() throws Exception {
        SignedNote.Key key = SignedNote.Key.parse(PETER);
        String[] bad = {
                TEXT, // no signature block
                TEXT + "\n", // no signature line
                SIGNED.substring(0, SIGNED.length() - 1), // no final newline
                "\u0001" + SIGNED, // a control character
                TEXT + "\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
                SIGNED + "not a signature\n",
                SIGNED.replace("problem,", "problem;"), // the text changed
                SIGNED.substring(0, 60 + TEXT.length()) + "ABCD" + SIGNED.substring(60 + TEXT.length()), // the signature changed
                TEXT + "\n" + ENOCH, // signed by someone else only
        };
        for (String note : bad) {
            assertThatThrownBy(() -> SignedNote.open(note, key)).as(note).isInstanceOf(SignedNote.NoteException.class);
        }
        assertThatThrownBy(() -> SignedNote.Key.parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))
                .isInstanceOf(SignedNote.NoteException.class);
        assertThatThrownBy(() -> SignedNote.Key.parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))
                .isInstanceOf(SignedNote.NoteException.class);
    }

    @Test
    void checkpointsAreWrittenAndReadAsTheFormatSays() throws Exception {
        byte[] root = HexFormat.of().parseHex(MerkleTest.ROOTS[8]);
        Checkpoint eight = new Checkpoint("Log", 8, root);
        assertThat(eight.text()).isEqualTo("Log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
        assertThat(Checkpoint.parse(eight.text())).isEqualTo(eight);
        assertThat(Checkpoint.parse(eight.text() + "an extension\n")).isEqualTo(eight);
        String[] bad = {"Head\n9944\n", "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "Log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
                "Log\nbananas\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "Log\n-34\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
                "Log\n3438945738945739845734895735\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "Log\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
                "Log\n123\nThisIsn'tBase64\n", "Log\n123\nYmFuYW5hcw==\n"};
        for (String text : bad) {
            assertThatThrownBy(() -> Checkpoint.parse(text)).as(text).isInstanceOf(SignedNote.NoteException.class);
        }
        // Signed with the log's key, named as its origin; opened only with that key.
        Ed25519.PrivateKey key = Ed25519.generate(new java.security.SecureRandom());
        String note = eight.sign(key);
        assertThat(Checkpoint.open(note, new SignedNote.Key("Log", key.publicKey()))).isEqualTo(eight);
        assertThatThrownBy(() -> Checkpoint.open(note, new SignedNote.Key("Log", Ed25519.generate(new java.security.SecureRandom()).publicKey())))
                .isInstanceOf(SignedNote.NoteException.class);
        String other = new Checkpoint("Other", 8, root).sign(key);
        assertThatThrownBy(() -> Checkpoint.open(other, new SignedNote.Key("Log", key.publicKey()))).isInstanceOf(SignedNote.NoteException.class);
    }
}
