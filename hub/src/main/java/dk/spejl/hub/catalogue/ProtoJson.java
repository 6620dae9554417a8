package dk.spejl.hub.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a JSON object into a protobuf message by the message's own descriptor, collecting
 * every problem (unknown field, wrong type, bad enum value) rather than stopping at the first,
 * so an operator sees them all at once. Field names are the proto names (snake_case); enum
 * values match case-insensitively and never the *_UNSPECIFIED value.
 */
final class ProtoJson {
    private ProtoJson() {
    }

    /**
     * @param ignored field names that belong to the caller, not to this message
     */
    static void read(JsonNode json, Message.Builder builder, String path, Set<String> ignored, List<String> errors) {
        if (!json.isObject()) {
            errors.add(path + ": expected an object");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (ignored.contains(field.getKey())) {
                continue;
            }
            FieldDescriptor fd = builder.getDescriptorForType().findFieldByName(field.getKey());
            String fieldPath = path + "." + field.getKey();
            if (fd == null) {
                errors.add(fieldPath + ": unknown field");
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (fd.isRepeated()) {
                if (!value.isArray()) {
                    errors.add(fieldPath + ": expected an array");
                    continue;
                }
                for (int i = 0; i < value.size(); i++) {
                    Object converted = convert(fd, value.get(i), builder, fieldPath + "[" + i + "]", errors);
                    if (converted != null) {
                        builder.addRepeatedField(fd, converted);
                    }
                }
            } else {
                Object converted = convert(fd, value, builder, fieldPath, errors);
                if (converted != null) {
                    builder.setField(fd, converted);
                }
            }
        }
    }

    private static Object convert(FieldDescriptor fd, JsonNode value, Message.Builder parent, String path, List<String> errors) {
        switch (fd.getJavaType()) {
            case STRING:
                if (!value.isTextual()) {
                    errors.add(path + ": expected a string");
                    return null;
                }
                return value.textValue();
            case INT:
            case LONG:
                // Protobuf's JSON mapping writes 64-bit numbers as strings; accept both forms.
                long number;
                if (value.isIntegralNumber() && value.canConvertToLong()) {
                    number = value.longValue();
                } else if (value.isTextual() && value.textValue().matches("\\d{1,18}")) {
                    number = Long.parseLong(value.textValue());
                } else {
                    number = -1;
                }
                if (number < 0 || (fd.getJavaType() == FieldDescriptor.JavaType.INT && number > Integer.MAX_VALUE)) {
                    errors.add(path + ": expected a whole number of at least 0");
                    return null;
                }
                return fd.getJavaType() == FieldDescriptor.JavaType.INT ? (Object) (int) number : (Object) number;
            case ENUM:
                if (value.isTextual()) {
                    for (EnumValueDescriptor candidate : fd.getEnumType().getValues()) {
                        if (candidate.getNumber() != 0 && candidate.getName().equalsIgnoreCase(value.textValue())) {
                            return candidate;
                        }
                    }
                }
                errors.add(path + ": " + value + " is not one of " + fd.getEnumType().getValues().stream()
                        .filter(v -> v.getNumber() != 0).map(EnumValueDescriptor::getName).collect(Collectors.joining(", ")));
                return null;
            case MESSAGE:
                Message.Builder child = parent.newBuilderForField(fd);
                List<String> childErrors = new ArrayList<>();
                read(value, child, path, Set.of(), childErrors);
                errors.addAll(childErrors);
                return childErrors.isEmpty() ? child.build() : null;
            default:
                errors.add(path + ": field type " + fd.getJavaType() + " is not accepted in ingest");
                return null;
        }
    }
}
