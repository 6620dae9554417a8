package dk.spejl.spoke.browse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.wire.Record;

import java.io.IOException;
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

    /**
     * The same JSON as {@link #of}, field for field and in the same order, written straight to {@code g}: no
     * reflection and no tree, for the search's hits, where building them was a quarter of a search's CPU.
     * {@code RecordJsonTest} holds the two to the same bytes.
     */
    public static void write(Record r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        text(g, "id", r.getId());
        if (r.getStatusValue() != 0) {
            g.writeStringField("status", spell(r.getStatus().getValueDescriptor()));
        }
        text(g, "subject_pseudonym", r.getSubjectPseudonym());
        text(g, "sample_pseudonym", r.getSamplePseudonym());
        if (r.getSampleKindValue() != 0) {
            g.writeStringField("sample_kind", spell(r.getSampleKind().getValueDescriptor()));
        }
        if (r.getFileFormatValue() != 0) {
            g.writeStringField("file_format", spell(r.getFileFormat().getValueDescriptor()));
        }
        text(g, "file_role", r.getFileRole());
        text(g, "library_strategy", r.getLibraryStrategy());
        text(g, "library_layout", r.getLibraryLayout());
        if (r.getPlatformValue() != 0) {
            g.writeStringField("platform", spell(r.getPlatform().getValueDescriptor()));
        }
        text(g, "instrument_model", r.getInstrumentModel());
        if (r.getReadLength() != 0) {
            g.writeNumberField("read_length", Integer.toUnsignedLong(r.getReadLength()));
        }
        text(g, "basecaller", r.getBasecaller());
        text(g, "reference_genome", r.getReferenceGenome());
        text(g, "pipeline", r.getPipeline());
        texts(g, "derived_from", r.getDerivedFromList());
        if (r.getSizeBytes() != 0) {
            g.writeNumberField("size_bytes", r.getSizeBytes());
        }
        if (r.getChecksumsCount() > 0) {
            g.writeArrayFieldStart("checksums");
            for (dk.spejl.wire.Checksum c : r.getChecksumsList()) {
                g.writeStartObject();
                text(g, "type", c.getType());
                text(g, "value", c.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        text(g, "owner_region", r.getOwnerRegion());
        text(g, "owner_unit", r.getOwnerUnit());
        text(g, "produced_on", r.getProducedOn());
        texts(g, "data_use", r.getDataUseList());
        text(g, "access_policy_ref", r.getAccessPolicyRef());
        g.writeEndObject();
    }

    /** A string field as protobuf holds it: left out when empty, as {@code getAllFields} leaves it out. */
    private static void text(JsonGenerator g, String name, String value) throws IOException {
        if (!value.isEmpty()) {
            g.writeStringField(name, value);
        }
    }

    private static void texts(JsonGenerator g, String name, List<String> values) throws IOException {
        if (!values.isEmpty()) {
            g.writeArrayFieldStart(name);
            for (String v : values) {
                g.writeString(v);
            }
            g.writeEndArray();
        }
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
