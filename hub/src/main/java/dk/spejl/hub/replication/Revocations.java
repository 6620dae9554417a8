package dk.spejl.hub.replication;

import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.tls.PeerIdentity;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spoke names whose certificates the hub no longer accepts. Kept in the catalogue, so a
 * revocation survives restarts; a revoked name is not enrolled again (enrol under a new name).
 */
public final class Revocations {
    private final CatalogueStore store;
    private final Set<String> names = ConcurrentHashMap.newKeySet();

    public Revocations(CatalogueStore store) throws IOException {
        this.store = store;
        names.addAll(store.revokedNames());
    }

    /** Returns false if the name was revoked already. */
    public boolean revoke(String name) throws IOException {
        store.revoke(name);
        return names.add(name);
    }

    public boolean isRevoked(PeerIdentity identity) {
        return identity.role() == PeerIdentity.Role.SPOKE && names.contains(identity.name());
    }
}
