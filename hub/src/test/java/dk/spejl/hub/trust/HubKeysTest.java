package dk.spejl.hub.trust;

import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubKeysTest {
    @TempDir
    Path dir;

    private final Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
    private final String pin = root.publicKey().fingerprint();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void createsVersionOneAndSignsWithItsKey() throws Exception {
        HubKeys.Active keys = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock);
        assertThat(keys.trusted().version()).isEqualTo(1);
        assertThat(keys.trusted().expiresAtMillis()).isEqualTo(clock.millis() + Duration.ofDays(10).toMillis());
        assertThat(HubKeys.keyFile(dir, keys.signingKeyId())).exists();
        assertThatThrownBy(() -> HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock)).hasMessageContaining("exists already");
    }

    @Test
    void aCrashBetweenTheNewKeyAndTheNewDelegationLeavesTheOldDelegationInForce() throws Exception {
        HubKeys.Active before = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock);
        // The rotation's first step only: a new key file, no new delegation yet.
        Ed25519.PrivateKey orphan = Ed25519.generate(new SecureRandom());
        KeyFiles.writePrivate(HubKeys.keyFile(dir, orphan.publicKey().keyId()), orphan);
        HubKeys.Active after = HubKeys.load(dir, pin, "ngc", Optional.empty(), clock.millis());
        assertThat(after.trusted().version()).isEqualTo(1);
        assertThat(after.signingKeyId()).isEqualTo(before.signingKeyId());
    }

    @Test
    void everyDelegationNamesTheOneAccessLogKeyAndARotationRefusesAnotherInItsPlace() throws Exception {
        String audit = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock).parsed().getAuditLogKey().getKeyId();
        assertThat(audit).isEqualTo(KeyFiles.readPrivate(dir.resolve(HubKeys.AUDIT_LOG_KEY)).publicKey().keyId());
        HubKeys.rotate(dir, root, "ngc", Duration.ofDays(10), false, clock);
        HubKeys.Active rotated = HubKeys.load(dir, pin, "ngc", Optional.empty(), clock.millis());
        assertThat(rotated.parsed().getAuditLogKey().getKeyId()).as("never rotated").isEqualTo(audit);

        KeyFiles.writePrivate(dir.resolve(HubKeys.AUDIT_LOG_KEY), Ed25519.generate(new SecureRandom()));
        assertThatThrownBy(() -> HubKeys.rotate(dir, root, "ngc", Duration.ofDays(10), false, clock))
                .hasMessageContaining("names access-log key " + audit);
    }

    @Test
    void rotationRevokesThePreviousKeyUnlessAskedToKeepIt() throws Exception {
        String first = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock).signingKeyId();
        HubKeys.Rotation kept = HubKeys.rotate(dir, root, "ngc", Duration.ofDays(10), true, clock);
        assertThat(kept.kept()).containsExactly(first);
        assertThat(HubKeys.keyFile(dir, first)).exists();
        HubKeys.Rotation revoking = HubKeys.rotate(dir, root, "ngc", Duration.ofDays(10), false, clock);
        assertThat(revoking.version()).isEqualTo(3);
        assertThat(revoking.revoked()).containsExactlyInAnyOrder(first, kept.newKeyId());
        assertThat(HubKeys.keyFile(dir, first)).doesNotExist();
        assertThat(HubKeys.keyFile(dir, kept.newKeyId())).doesNotExist();
        HubKeys.Active active = HubKeys.load(dir, pin, "ngc", Optional.empty(), clock.millis());
        assertThat(active.signingKeyId()).isEqualTo(revoking.newKeyId());
        assertThat(active.trusted().keysById()).containsOnlyKeys(revoking.newKeyId());
        assertThat(active.trusted().revokedKeyIds()).containsExactlyInAnyOrder(first, kept.newKeyId());
    }

    @Test
    void theHubRefusesAnExpiredDelegationAndRotationRenewsIt() throws Exception {
        HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock);
        long later = clock.millis() + Duration.ofDays(11).toMillis();
        assertThatThrownBy(() -> HubKeys.load(dir, pin, "ngc", Optional.empty(), later)).hasMessageContaining("expired");
        HubKeys.rotate(dir, root, "ngc", Duration.ofDays(30), false, Clock.fixed(Instant.ofEpochMilli(later), ZoneOffset.UTC));
        assertThat(HubKeys.load(dir, pin, "ngc", Optional.empty(), later).trusted().version()).isEqualTo(2);
    }

    @Test
    void refusesADirectoryWithoutAPrivateKeyForAnyDelegatedKey() throws Exception {
        HubKeys.Active keys = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock);
        Files.delete(HubKeys.keyFile(dir, keys.signingKeyId()));
        assertThatThrownBy(() -> HubKeys.load(dir, pin, "ngc", Optional.empty(), clock.millis()))
                .hasMessageContaining("no private key").hasMessageContaining(keys.signingKeyId());
    }

    @Test
    void refusesAnotherRootAnotherHubAndAnOlderDelegationOnReload() throws Exception {
        HubKeys.Active v1 = HubKeys.create(dir, root, "ngc", Duration.ofDays(10), clock);
        Ed25519.PrivateKey stranger = Ed25519.generate(new SecureRandom());
        assertThatThrownBy(() -> HubKeys.rotate(dir, stranger, "ngc", Duration.ofDays(10), false, clock))
                .hasMessageContaining("does not verify under this root key");
        assertThatThrownBy(() -> HubKeys.load(dir, pin, "other", Optional.empty(), clock.millis())).hasMessageContaining("hub");
        HubKeys.rotate(dir, root, "ngc", Duration.ofDays(10), false, clock);
        HubKeys.Active v2 = HubKeys.load(dir, pin, "ngc", Optional.of(v1.delegation()), clock.millis());
        // Put version 1 back, as a restore from an old backup would: a running hub at version 2 refuses it.
        Files.write(dir.resolve(HubKeys.DELEGATION), v1.delegation().toByteArray());
        assertThatThrownBy(() -> HubKeys.load(dir, pin, "ngc", Optional.of(v2.delegation()), clock.millis()))
                .hasMessageContaining("older");
    }
}
