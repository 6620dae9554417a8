package dk.spejl.hub.publish;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueDatabase;
import dk.spejl.storage.KeyPrefix;
import dk.spejl.wire.ObjectRef;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Objects kept in the catalogue's own RocksDB, under {@code o/<hex digest>}. A put is not forced
 * to disk on its own: the synced commit that publishes a manifest naming the object also makes it
 * durable, because RocksDB's log is written in order. One sync per publish instead of one per object.
 */
public final class SmallObjectStore implements ObjectStore {
    private static final KeyPrefix PREFIX = KeyPrefix.of("o/");

    private final CatalogueDatabase db;

    public SmallObjectStore(CatalogueDatabase db) {
        this.db = db;
    }

    @Override
    public ObjectRef put(byte[] bytes) throws IOException {
        byte[] digest = Sha256.of(bytes);
        db.put(PREFIX.key(Sha256.hex(digest)), bytes, CatalogueDatabase.Write.LOGGED);
        return ObjectRef.newBuilder().setDigest(ByteString.copyFrom(digest)).setSize(bytes.length).build();
    }

    @Override
    public Optional<Reader> open(byte[] digest) throws IOException {
        if (digest.length != Sha256.BYTES) {
            return Optional.empty();
        }
        byte[] bytes = db.get(PREFIX.key(Sha256.hex(digest)));
        return bytes == null ? Optional.empty() : Optional.of(Reader.of(ByteString.copyFrom(bytes)));
    }

    @Override
    public Set<String> list() {
        return new HashSet<>(db.names(PREFIX));
    }

    @Override
    public void delete(String hexDigest) throws IOException {
        db.delete(PREFIX.key(hexDigest), CatalogueDatabase.Write.LOGGED);
    }
}
