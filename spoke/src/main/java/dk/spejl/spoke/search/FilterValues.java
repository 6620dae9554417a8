package dk.spejl.spoke.search;

import dk.spejl.naming.Regions;
import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.Platform;
import dk.spejl.wire.SampleKind;
import dk.spejl.wire.Status;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The values each filter field of a search may take, and how to say so when one does not. */
final class FilterValues {
    private FilterValues() {
    }

    /** The values a filter field may take; a field whose values are open text takes any short, printable value. */
    private static final Map<String, Predicate<String>> ALLOWED = allowed();
    private static final Pattern DUO = Pattern.compile("DUO:\\d{7}");
    private static Map<String, Predicate<String>> allowed() {
        Map<String, Predicate<String>> allowed = new LinkedHashMap<>();
        allowed.put("owner_region", Regions::isRegion);
        allowed.put("file_format", oneOf(FileFormat.getDescriptor()));
        allowed.put("platform", oneOf(Platform.getDescriptor()));
        allowed.put("sample_kind", oneOf(SampleKind.getDescriptor()));
        allowed.put("status", oneOf(Status.getDescriptor()));
        allowed.put("data_use", v -> DUO.matcher(v).matches());
        return allowed;
    }

    private static Predicate<String> oneOf(com.google.protobuf.Descriptors.EnumDescriptor type) {
        Set<String> names = type.getValues().stream().filter(v -> v.getNumber() != 0).map(RecordJson::spell).collect(Collectors.toSet());
        return names::contains;
    }

    /** The values a filter field takes, for an error message; empty for open text. */
    static String expected(String field) {
        return switch (field) {
            case "owner_region" -> String.join(", ", Regions.ALL);
            case "file_format" -> spellings(FileFormat.getDescriptor());
            case "platform" -> spellings(Platform.getDescriptor());
            case "sample_kind" -> spellings(SampleKind.getDescriptor());
            case "status" -> spellings(Status.getDescriptor());
            case "data_use" -> "a DUO code such as DUO:0000043";
            default -> "1-" + SearchQuery.MAX_VALUE_CHARS + " printable characters";
        };
    }

    private static String spellings(com.google.protobuf.Descriptors.EnumDescriptor type) {
        return type.getValues().stream().filter(v -> v.getNumber() != 0).map(RecordJson::spell).collect(Collectors.joining(", "));
    }

    /** Whether {@code value} is one {@code field} may take; a field of open text takes any short, printable value. */
    static Predicate<String> allowed(String field) {
        return ALLOWED.getOrDefault(field, SearchQuery::printable);
    }
}
