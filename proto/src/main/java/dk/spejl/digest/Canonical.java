package dk.spejl.digest;

import com.google.protobuf.CodedOutputStream;
import dk.spejl.wire.Record;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The canonical encoding of a record: deterministic protobuf serialisation of the mirrored
 * projection. Hub and spoke hash these exact bytes, so this is the one place that makes them.
 */
public final class Canonical {
    private Canonical() {
    }

    public static byte[] bytes(Record record) {
        byte[] out = new byte[record.getSerializedSize()];
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        stream.useDeterministicSerialization();
        try {
            record.writeTo(stream);
            stream.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException("serialising into an array cannot fail", e);
        }
        return out;
    }
}
