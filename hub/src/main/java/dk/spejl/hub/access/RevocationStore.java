package dk.spejl.hub.access;

import dk.spejl.hub.catalogue.CatalogueDatabase;
import dk.spejl.storage.KeyPrefix;

import java.io.IOException;
import java.time.Clock;
import java.util.List;

/** Revoked spoke names, under {@code x/<name>} in the catalogue's database, each with when it was revoked. Synced. */
public final class RevocationStore {
    private static final KeyPrefix PREFIX = KeyPrefix.of("x/");

    private final CatalogueDatabase db;
    private final Clock clock;

    public RevocationStore(CatalogueDatabase db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public void revoke(String spokeName) throws IOException {
        db.put(PREFIX.key(spokeName), KeyPrefix.utf8(clock.instant().toString()), CatalogueDatabase.Write.SYNCED);
    }

    public List<String> names() {
        return db.names(PREFIX);
    }
}
