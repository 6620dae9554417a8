package dk.spejl.spoke.browse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.wire.Record;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A record as JSON, spelt as ingest takes it: the proto field names, enum values in lower case
 * ({@code "available"}, {@code "cram"}), sizes and lengths as JSON numbers, and fields left unset
 * left out. What an operator ingests is what a clinician's client reads back.
 */
public final class RecordJson {
    private RecordJson() {
    }

    public static ObjectNode of(Record record) {
        return message(record);
    }

    /** The lower-case spelling of an enum value, as ingest takes it. */
    public static String spell(EnumValueDescriptor value) {
        return value.getName().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode message(Message message) {
        ObjectNode out = HttpResponse.object();
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            FieldDescriptor fd = field.getKey();
            if (fd.isRepeated()) {
                ArrayNode values = out.putArray(fd.getName());
                for (Object value : (List<?>) field.getValue()) {
                    add(values, fd, value);
                }
            } else {
                put(out, fd, field.getValue());
            }
        }
        return out;
    }

    private static void put(ObjectNode out, FieldDescriptor fd, Object value) {
        String name = fd.getName();
        switch (fd.getJavaType()) {
            case ENUM -> out.put(name, spell((EnumValueDescriptor) value));
            case INT -> out.put(name, fd.getType() == FieldDescriptor.Type.UINT32 ? Integer.toUnsignedLong((Integer) value) : (Integer) value);
            case LONG -> out.put(name, (Long) value); // sizes: a 64-bit size fits a signed long for the next exabyte
            case MESSAGE -> out.set(name, message((Message) value));
            default -> out.put(name, value.toString());
        }
    }

    private static void add(ArrayNode out, FieldDescriptor fd, Object value) {
        switch (fd.getJavaType()) {
            case ENUM -> out.add(spell((EnumValueDescriptor) value));
            case MESSAGE -> out.add(message((Message) value));
            default -> out.add(value.toString());
        }
    }
}
