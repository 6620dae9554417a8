package dk.spejl.hub.trust;

import dk.spejl.hub.publish.Publisher;
import dk.spejl.hub.replication.HeartbeatIssuer;
import dk.spejl.hub.replication.ManifestFeed;
import dk.spejl.signing.HeartbeatSigner;
import dk.spejl.signing.ManifestSigner;
import dk.spejl.wire.ReloadKeysResult;
import dk.spejl.wire.TrustInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The hub's keys in use: the key delegation from its keys directory and the online key it signs
 * with, and the taking up of a new delegation while the hub runs (docs/design.md, "Trust chain").
 * Everything that signs or sends the delegation (the publisher, the feed, the heartbeats) is
 * moved to a new key here, in the order that keeps spokes able to verify every step.
 */
public final class HubTrust {
    private static final Logger log = LoggerFactory.getLogger(HubTrust.class);
    /** A delegation that expires sooner than this is warned about at every start and reload. */
    private static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    private final Path keysDir;
    private final String rootFingerprint;
    private final String hubId;
    private final Clock clock;
    private volatile HubKeys.Active keys;
    private Publisher publisher;
    private ManifestFeed feed;
    private HeartbeatIssuer heartbeats;

    private HubTrust(Path keysDir, String rootFingerprint, String hubId, Clock clock, HubKeys.Active keys) {
        this.keysDir = keysDir;
        this.rootFingerprint = rootFingerprint;
        this.hubId = hubId;
        this.clock = clock;
        this.keys = keys;
    }

    /** Reads and verifies the keys directory, as a spoke would verify its delegation. */
    public static HubTrust load(Path keysDir, String rootFingerprint, String hubId, Clock clock) throws IOException {
        HubTrust trust = new HubTrust(keysDir, rootFingerprint, hubId, clock, HubKeys.load(keysDir, rootFingerprint, hubId,
                Optional.empty(), clock.millis()));
        trust.logKeys("signing");
        return trust;
    }

    public HubKeys.Active keys() {
        return keys;
    }

    public ManifestSigner manifestSigner() {
        return new ManifestSigner(keys.signing());
    }

    public HeartbeatSigner heartbeatSigner() {
        return new HeartbeatSigner(keys.signing());
    }

    /** The first event on every Watch stream: the delegation in force. */
    public TrustInfo trustInfo() {
        return trustInfo(keys);
    }

    /** The key ids the delegation in force names. */
    public Set<String> liveKeyIds() {
        return keys.trusted().keysById().keySet();
    }

    /**
     * Takes charge of the parts that sign with the hub's key or send its delegation; then, if
     * the head was signed by a key the delegation no longer names, publishes a revision under the
     * live key at once (see {@link Publisher#resign()}).
     */
    public synchronized void attach(Publisher publisher, ManifestFeed feed, HeartbeatIssuer heartbeats) throws IOException {
        this.publisher = publisher;
        this.feed = feed;
        this.heartbeats = heartbeats;
        resignIfRevoked();
    }

    /**
     * Takes up the keys directory's delegation if it is newer than the one in use: spokes are sent
     * it first, then the publisher and heartbeats sign with its key. If the head was signed by a
     * key it revokes, a revision signed by the new key follows at once.
     *
     * @throws HubKeys.KeysException when the directory holds no delegation the hub may move to
     *                               (it does not verify, is older, names no key the hub holds, or cannot be read); nothing changes
     * @throws IOException           when the hub took up the new key but could not publish its head again under it
     */
    public synchronized ReloadKeysResult reload() throws IOException {
        if (publisher == null) {
            throw new IllegalStateException("the hub's keys are not attached to its publisher yet");
        }
        HubKeys.Active fresh;
        try {
            fresh = HubKeys.load(keysDir, rootFingerprint, hubId, Optional.of(keys.delegation()), clock.millis());
        } catch (HubKeys.KeysException e) {
            throw e;
        } catch (IOException e) {
            // An unreadable key file is the directory's fault as much as a delegation that does not verify.
            throw new HubKeys.KeysException(keysDir + " cannot be read: " + e.getMessage(), e);
        }
        if (fresh.delegation().equals(keys.delegation()) && fresh.signingKeyId().equals(keys.signingKeyId())) {
            return ReloadKeysResult.newBuilder().setChanged(false).setDelegationVersion(fresh.trusted().version())
                    .setSigningKeyId(fresh.signingKeyId()).build();
        }
        // Between two revisions: no revision signed by the old key is sent after the new delegation.
        publisher.signWith(new ManifestSigner(fresh.signing()), () -> {
            keys = fresh;
            feed.rekey(trustInfo(fresh), fresh.trusted().keysById().keySet());
        });
        heartbeats.signWith(new HeartbeatSigner(fresh.signing()));
        logKeys("now signing");
        long resigned;
        try {
            resigned = resignIfRevoked();
        } catch (IOException | RuntimeException e) {
            throw new IOException("the hub signs with key " + fresh.signingKeyId() + " under delegation version " + fresh.trusted().version()
                    + " now, but could not publish the head again under it: " + e.getMessage(), e);
        }
        return ReloadKeysResult.newBuilder().setChanged(true).setDelegationVersion(fresh.trusted().version())
                .setSigningKeyId(fresh.signingKeyId()).setResignedRevision(resigned).build();
    }

    /** Publishes a revision under the current key if the head's key is no longer delegated; returns it, or 0. */
    private long resignIfRevoked() throws IOException {
        String headKey = publisher.head().manifest().getKeyId();
        if (keys.trusted().keysById().containsKey(headKey)) {
            return 0;
        }
        long revision = publisher.resign().revision();
        log.info("the head was signed by key {}, which delegation version {} leaves out: published revision {} (no record changes, "
                + "with a snapshot) under key {}", headKey, keys.trusted().version(), revision, keys.signingKeyId());
        return revision;
    }

    private void logKeys(String verb) {
        Instant expires = Instant.ofEpochMilli(keys.trusted().expiresAtMillis());
        log.info("{} with key {} under key delegation version {} (root {}), valid until {}", verb, keys.signingKeyId(),
                keys.trusted().version(), rootFingerprint, expires);
        if (expires.isBefore(clock.instant().plus(EXPIRY_WARNING))) {
            log.warn("the key delegation expires at {}: spokes accept nothing signed after that. Rotate with 'spejl-hub keys rotate'", expires);
        }
    }

    private static TrustInfo trustInfo(HubKeys.Active keys) {
        return TrustInfo.newBuilder().setDelegation(keys.delegation()).build();
    }
}
