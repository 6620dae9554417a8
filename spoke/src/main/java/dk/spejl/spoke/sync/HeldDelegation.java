package dk.spejl.spoke.sync;

import dk.spejl.io.DurableFile;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.TrustChain;
import dk.spejl.verify.TrustedKeys;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SignedDelegation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The newest key delegation this spoke has accepted, kept on disk ({@code trust.bin}) beside the
 * replica, so that no delegation of a lower version is accepted after a restart or a
 * re-bootstrap either (docs/design.md, "Trust chain").
 */
public final class HeldDelegation {
    private static final Logger log = LoggerFactory.getLogger(HeldDelegation.class);

    private final Path file;
    private final String rootFingerprint;
    private volatile SignedDelegation current;
    private volatile long version = -1;

    /** Reads the held delegation, if any; one that does not verify under the pinned root is refused. */
    public HeldDelegation(Path file, String rootFingerprint) throws IOException {
        this.file = file;
        this.rootFingerprint = rootFingerprint;
        if (Files.exists(file)) {
            SignedDelegation stored = SignedDelegation.parseFrom(Files.readAllBytes(file));
            try {
                // An expired delegation still sets the lowest version acceptable.
                DelegationVerifier.verify(rootFingerprint, stored, Optional.empty(), Optional.empty(), DelegationVerifier.ANY_TIME);
            } catch (VerificationException e) {
                throw new IOException(file + " does not verify under the pinned root (" + e.getMessage()
                        + "); if the root key was replaced on purpose, remove " + file + " and the replica, and start again");
            }
            current = stored;
            version = KeyDelegation.parseFrom(stored.getDelegation()).getVersion();
        }
    }

    /** The held delegation's version, or -1 when none is held yet. */
    public long version() {
        return version;
    }

    public Optional<SignedDelegation> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Step 1 of the trust chain for a new session: verifies the delegation the hub offers against the pin and the held
     * one, and holds it if newer.
     *
     * @param hubId the hub the replica follows, if it holds anything
     */
    public TrustChain open(SignedDelegation offered, Optional<String> hubId, Clock clock, Duration maxClockSkew)
            throws VerificationException, IOException {
        return hold(TrustChain.open(rootFingerprint, offered, current(), hubId, clock, maxClockSkew));
    }

    /** Step 1 for a rotation sent on the stream: the new delegation follows the chain's, and is held if newer. */
    public TrustChain rotate(TrustChain chain, SignedDelegation offered) throws VerificationException, IOException {
        return hold(chain.rotate(offered));
    }

    private synchronized TrustChain hold(TrustChain chain) throws IOException {
        TrustedKeys trusted = chain.trust();
        SignedDelegation offered = trusted.source().orElseThrow();
        if (current == null || !current.getDelegation().equals(offered.getDelegation())) {
            DurableFile.write(file, offered.toByteArray());
            current = offered;
            version = trusted.version();
            KeyDelegation d = trusted.delegation().orElseThrow();
            log.info("accepted key delegation version {} for hub {}: keys {}, revoked {}, valid until {}", d.getVersion(), d.getHubId(),
                    trusted.keysById().keySet(), d.getRevokedKeyIdsList(), Instant.ofEpochMilli(d.getExpiresAtMillis()));
        }
        return chain;
    }
}
