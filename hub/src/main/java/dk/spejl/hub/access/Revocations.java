package dk.spejl.hub.access;

import dk.spejl.naming.Identifiers;
import dk.spejl.tls.PeerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Spoke names whose certificates the hub no longer accepts. Kept in the catalogue's database, so a
 * revocation survives restarts; a revoked name is not enrolled again (enrol under a new name).
 */
public final class Revocations {
    private static final Logger log = LoggerFactory.getLogger(Revocations.class);

    private final RevocationStore store;
    private final ToIntFunction<String> disconnect;
    private final Set<String> names = ConcurrentHashMap.newKeySet();

    /** What a revocation did. */
    public record Revoked(boolean newly, int streamsClosed) {
    }

    /**
     * @param disconnect ends a spoke's open streams (Watch and object transfers) at once and says how many there were
     */
    public Revocations(RevocationStore store, ToIntFunction<String> disconnect) {
        this.store = store;
        this.disconnect = disconnect;
        names.addAll(store.names());
    }

    /**
     * Refuses the spoke from now on: recorded durably first, then its open streams are closed.
     *
     * @param by who asked, for the log
     */
    public Revoked revoke(String name, Object by) throws IOException {
        if (!Identifiers.isSpokeName(name)) {
            throw new IllegalArgumentException("not a spoke name: '" + name + "' (" + Identifiers.SPOKE_NAME_RULE + ")");
        }
        store.revoke(name);
        boolean newly = names.add(name);
        int closed = disconnect.applyAsInt(name);
        log.warn("spoke {} revoked by {}: {} open stream(s) closed; its certificates are refused from now on", name, by, closed);
        return new Revoked(newly, closed);
    }

    public boolean isRevoked(PeerIdentity identity) {
        return identity.role() == PeerIdentity.Role.SPOKE && names.contains(identity.name());
    }
}
