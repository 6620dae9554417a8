package dk.spejl.signing;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class Ed25519Test {
    private static final byte[] PAYLOAD = "revision 7".getBytes();

    @Test
    void verifiesWhatItSigned() {
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        byte[] sig = Ed25519.sign(key, "ctx", PAYLOAD);
        assertThat(Ed25519.verify(key.publicKey(), "ctx", PAYLOAD, sig)).isTrue();
    }

    @Test
    void rejectsAnotherPayloadContextOrKey() {
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        byte[] sig = Ed25519.sign(key, "ctx", PAYLOAD);
        assertThat(Ed25519.verify(key.publicKey(), "ctx", "revision 8".getBytes(), sig)).isFalse();
        assertThat(Ed25519.verify(key.publicKey(), "other", PAYLOAD, sig)).isFalse();
        assertThat(Ed25519.verify(Ed25519.generate(new SecureRandom()).publicKey(), "ctx", PAYLOAD, sig)).isFalse();
        sig[0] ^= 1;
        assertThat(Ed25519.verify(key.publicKey(), "ctx", PAYLOAD, sig)).isFalse();
    }

    /** RFC 8032 section 7.1, test 1: the secret key's public key, so we know this is plain Ed25519. */
    @Test
    void derivesTheRfc8032PublicKey() {
        HexFormat hex = HexFormat.of();
        Ed25519.PrivateKey key = new Ed25519.PrivateKey(hex.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        assertThat(hex.formatHex(key.publicKey().encoded())).isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assertThat(key.publicKey().fingerprint()).startsWith("SHA256:").hasSize(7 + 64);
        assertThat(key.publicKey().keyId()).hasSize(16);
    }

    @Test
    void signaturesAreDeterministic() {
        Ed25519.PrivateKey key = Ed25519.generate(new SecureRandom());
        assertThat(Ed25519.sign(key, "ctx", PAYLOAD)).isEqualTo(Ed25519.sign(key, "ctx", PAYLOAD));
    }
}
