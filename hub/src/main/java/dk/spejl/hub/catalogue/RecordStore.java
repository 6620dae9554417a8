package dk.spejl.hub.catalogue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.digest.Canonical;
import dk.spejl.storage.KeyPrefix;
import dk.spejl.storage.PrefixCursor;
import dk.spejl.wire.HubRecord;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Optional;

/**
 * The catalogue's records, with their hub-only fields, under {@code r/<id>}. They change only in
 * a publish's commit ({@link CatalogueStore#commit}).
 */
public final class RecordStore {
    static final KeyPrefix PREFIX = KeyPrefix.of("r/");
    /** Field 1 (the record), length-delimited: (1 << 3) | 2. */
    private static final int RECORD_TAG = HubRecord.RECORD_FIELD_NUMBER << 3 | 2;

    private final CatalogueDatabase db;

    RecordStore(CatalogueDatabase db) {
        this.db = db;
    }

    public Optional<HubRecord> get(String id) throws IOException {
        byte[] value = db.get(PREFIX.key(id));
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(HubRecord.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("a stored record is corrupt", e);
        }
    }

    /** The canonical bytes of a record as spokes hold it (the mirrored projection), or null. */
    public byte[] projection(String id) {
        try {
            byte[] value = db.get(PREFIX.key(id));
            return value == null ? null : canonicalOf(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Iterates the records in id order, from a consistent view taken now. Close it. */
    public RecordCursor cursor() {
        return new RecordCursor(db.cursor(PREFIX));
    }

    void put(WriteBatch batch, HubRecord record) throws RocksDBException {
        batch.put(PREFIX.key(record.getRecord().getId()), stored(record));
    }

    void delete(WriteBatch batch, String id) throws RocksDBException {
        batch.delete(PREFIX.key(id));
    }

    /** A stored record as snapshots need it: its id and its canonical bytes, without parsing the record. */
    public record StoredRecord(String id, byte[] canonical) {
    }

    /** Records in id order, as read from a consistent RocksDB snapshot. */
    public static final class RecordCursor implements Iterator<StoredRecord>, AutoCloseable {
        private final PrefixCursor cursor;

        private RecordCursor(PrefixCursor cursor) {
            this.cursor = cursor;
        }

        @Override
        public boolean hasNext() {
            return cursor.valid();
        }

        @Override
        public StoredRecord next() {
            try {
                return new StoredRecord(cursor.name(), canonicalOf(cursor.value()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                cursor.next();
            }
        }

        @Override
        public void close() {
            cursor.close();
        }
    }

    /**
     * A record as stored: a HubRecord whose field 1 holds exactly the canonical bytes of the
     * mirrored projection. Writing it by hand makes that a property of the format rather than
     * of the protobuf library's field order, so snapshots and state digests can copy the
     * canonical bytes out of a stored value without parsing and re-serialising the record.
     */
    static byte[] stored(HubRecord record) {
        byte[] canonical = Canonical.bytes(record.getRecord());
        String uri = record.getStorageUri();
        int size = CodedOutputStream.computeByteArraySize(HubRecord.RECORD_FIELD_NUMBER, canonical)
                + (uri.isEmpty() ? 0 : CodedOutputStream.computeStringSize(HubRecord.STORAGE_URI_FIELD_NUMBER, uri));
        byte[] out = new byte[size];
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        try {
            stream.writeByteArray(HubRecord.RECORD_FIELD_NUMBER, canonical);
            if (!uri.isEmpty()) {
                stream.writeString(HubRecord.STORAGE_URI_FIELD_NUMBER, uri);
            }
            stream.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("serialising into an array cannot fail", e);
        }
        return out;
    }

    /** The canonical record bytes inside a stored value (field 1), read without parsing the record. */
    static byte[] canonicalOf(byte[] stored) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(stored);
        byte[] canonical = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (tag == RECORD_TAG) {
                canonical = in.readByteArray();
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        if (canonical == null) {
            throw new IOException("a stored record is corrupt: it has no record field");
        }
        return canonical;
    }
}
