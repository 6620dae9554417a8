package dk.spejl.hub.catalogue;

import dk.spejl.naming.Identifiers;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.protobuf.Descriptors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns an ingest file (JSON Lines: {"op":"put","record":{...}} or {"op":"delete","id":"..."})
 * into a change set, or refuses the whole file with every error by line number. Checks here
 * need no catalogue; whether a deleted id exists is checked where the catalogue is, at publish.
 */
public final class IngestParser {
    /** A key given twice in one object is malformed: otherwise the last would win and the first go unscanned. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** A refusal lists this many errors; the rest are counted by kind. */
    static final int MAX_LISTED_ERRORS = 1000;
    /** Checksum values in the exact format of their type: left out of the CPR scan, which hex digits would trip. */
    private static final Map<String, Pattern> HEX_CHECKSUMS = Map.of("sha-256", Pattern.compile("[0-9a-f]{64}"), "md5", Pattern.compile("[0-9a-f]{32}"));
    private static final Pattern CHECKSUM = Pattern.compile("record\\.checksums\\[\\d+]");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,20}");

    private IngestParser() {
    }

    public static ChangeSet parse(List<String> lines) throws IngestRejectedException {
        return parse(lines, id -> true);
    }

    /**
     * @param exists whether the catalogue holds a record, so that a delete of an unknown id is
     *               listed with the other errors (the publisher checks again under its lock)
     */
    public static ChangeSet parse(List<String> lines, java.util.function.Predicate<String> exists) throws IngestRejectedException {
        List<IngestError> errors = new ArrayList<>();
        Map<String, Long> unlisted = new TreeMap<>();
        List<ChangeSet.Put> puts = new ArrayList<>();
        List<ChangeSet.Delete> deletes = new ArrayList<>();
        Map<String, Integer> firstLineOfId = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            List<String> lineErrors = new ArrayList<>();
            Optional<Object> change = parseLine(line, lineErrors, lineNo);
            String id = change.map(c -> c instanceof ChangeSet.Put p ? p.id() : ((ChangeSet.Delete) c).id()).orElse(null);
            if (id != null) {
                Integer first = firstLineOfId.putIfAbsent(id, lineNo);
                if (first != null) {
                    lineErrors.add("record " + id + " already appears on line " + first + "; one change per record per file");
                }
            }
            if (lineErrors.isEmpty() && change.isPresent() && change.get() instanceof ChangeSet.Delete delete && !exists.test(delete.id())) {
                lineErrors.add("delete of " + delete.id() + ": no such record");
            }
            for (String message : lineErrors) {
                IngestError error = new IngestError(lineNo, message);
                if (errors.size() < MAX_LISTED_ERRORS) {
                    errors.add(error);
                } else {
                    unlisted.merge(error.kind(), 1L, Long::sum);
                }
            }
            if (lineErrors.isEmpty() && change.isPresent()) {
                if (change.get() instanceof ChangeSet.Put put) {
                    puts.add(put);
                } else {
                    deletes.add((ChangeSet.Delete) change.get());
                }
            }
        }
        if (errors.isEmpty() && puts.isEmpty() && deletes.isEmpty()) {
            errors.add(new IngestError(0, "the file holds no changes"));
        }
        if (!errors.isEmpty()) {
            throw new IngestRejectedException(errors, unlisted);
        }
        return new ChangeSet(puts, deletes);
    }

    private static Optional<Object> parseLine(String line, List<String> errors, int lineNo) {
        JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            errors.add("not valid JSON: " + e.getOriginalMessage());
            return Optional.empty();
        }
        if (json == null || !json.isObject()) {
            errors.add("expected a JSON object");
            return Optional.empty();
        }
        // Invariant 1: refuse anything anywhere on the line that looks like a CPR number.
        // The CPR errors stand alone, so no other message repeats the value.
        scanForCpr(json, "", errors);
        if (!errors.isEmpty()) {
            return Optional.empty();
        }
        String op = json.path("op").asText("");
        switch (op) {
            case "put" -> {
                allowOnly(json, Set.of("op", "record"), errors);
                JsonNode recordJson = json.get("record");
                if (recordJson == null) {
                    errors.add("record: missing required field");
                    return Optional.empty();
                }
                Record.Builder record = Record.newBuilder();
                ProtoJson.read(recordJson, record, "record", Set.of("storage_uri"), errors);
                HubRecord.Builder hub = HubRecord.newBuilder().setRecord(record);
                JsonNode uri = recordJson.path("storage_uri");
                if (uri.isTextual()) {
                    hub.setStorageUri(uri.textValue());
                } else if (!uri.isMissingNode()) {
                    errors.add("record.storage_uri: expected a string");
                }
                if (errors.isEmpty()) {
                    RecordRules.check(hub.build(), errors);
                }
                return errors.isEmpty() ? Optional.of(new ChangeSet.Put(lineNo, hub.build())) : Optional.empty();
            }
            case "delete" -> {
                allowOnly(json, Set.of("op", "id"), errors);
                JsonNode id = json.get("id");
                if (id == null || !id.isTextual()) {
                    errors.add("id: missing required field (a string)");
                    return Optional.empty();
                }
                if (!Identifiers.isRecordId(id.textValue())) {
                    errors.add("id: '" + id.textValue() + "' is not a valid id");
                }
                return errors.isEmpty() ? Optional.of(new ChangeSet.Delete(lineNo, id.textValue())) : Optional.empty();
            }
            default -> {
                errors.add("op: expected \"put\" or \"delete\", got " + (json.has("op") ? json.get("op").toString() : "nothing"));
                return Optional.empty();
            }
        }
    }

    private static void allowOnly(JsonNode json, Set<String> allowed, List<String> errors) {
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                errors.add(name + ": unknown field");
            }
        }
    }

    /**
     * A number written as a string, whose format is checked strictly elsewhere, so that no false
     * alarm comes from it. (Checksums are the other such case; see {@link #scanForCpr}.) Anything
     * else in those places is scanned like any text.
     */
    private static boolean exempt(String path, String value) {
        if (path.startsWith("record.") && path.indexOf('.', 7) < 0 && path.indexOf('[') < 0) {
            Descriptors.FieldDescriptor field = Record.getDescriptor().findFieldByName(path.substring(7));
            return field != null && !field.isRepeated() && NUMERIC.contains(field.getJavaType()) && DECIMAL.matcher(value).matches();
        }
        return false;
    }

    private static final Set<Descriptors.FieldDescriptor.JavaType> NUMERIC = Set.of(Descriptors.FieldDescriptor.JavaType.INT,
            Descriptors.FieldDescriptor.JavaType.LONG, Descriptors.FieldDescriptor.JavaType.FLOAT, Descriptors.FieldDescriptor.JavaType.DOUBLE);

    private static boolean isHexOfItsType(String type, JsonNode value) {
        Pattern format = HEX_CHECKSUMS.get(type);
        return format != null && value.isTextual() && format.matcher(value.textValue()).matches();
    }

    private static void scanForCpr(JsonNode node, String path, List<String> errors) {
        if (node.isTextual() && exempt(path, node.textValue())) {
            return;
        }
        if (node.isTextual()) {
            CprDetector.find(node.textValue()).ifPresent(found ->
                    errors.add((path.isEmpty() ? "value" : path) + ": looks like a CPR number; records carry pseudonyms only"));
        } else if (node.isObject()) {
            boolean checksum = CHECKSUM.matcher(path).matches();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                CprDetector.find(e.getKey()).ifPresent(found -> errors.add(e.getKey() + ": field name looks like a CPR number"));
                if (checksum && e.getKey().equals("value") && isHexOfItsType(node.path("type").asText(""), e.getValue())) {
                    continue; // lower-case hex of exactly its type's length: RecordRules checks it, and hex trips the scan
                }
                scanForCpr(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), errors);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                scanForCpr(node.get(i), path + "[" + i + "]", errors);
            }
        }
    }
}
