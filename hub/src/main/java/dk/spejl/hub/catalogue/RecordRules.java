package dk.spejl.hub.catalogue;

import dk.spejl.naming.Identifiers;
import dk.spejl.naming.Regions;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;
import dk.spejl.wire.SampleKind;
import dk.spejl.wire.Status;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** What a catalogue record must satisfy beyond its JSON shape. */
public final class RecordRules {
    private static final Pattern PSEUDONYM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{3,63}");
    private static final Pattern YEAR_MONTH = Pattern.compile("(19|20)\\d{2}-(0[1-9]|1[0-2])");
    private static final Pattern PIPELINE = Pattern.compile("[A-Za-z0-9._/-]+@[A-Za-z0-9._+-]+");
    private static final Pattern DUO = Pattern.compile("DUO:\\d{7}");
    private static final Map<String, Pattern> CHECKSUM_TYPES = Map.of(
            "sha-256", Pattern.compile("[0-9a-f]{64}"),
            "md5", Pattern.compile("[0-9a-f]{32}"));

    /** The longest value a record's words may have: a search's filter takes no longer, and the index's tuple of them stays small. */
    public static final int MAX_TEXT = 128;
    static final int MAX_LIST = 64;

    private RecordRules() {
    }

    /** Adds to {@code errors} every rule {@code hub} breaks. */
    public static void check(HubRecord hub, List<String> errors) {
        Record r = hub.getRecord();
        if (r.getId().isEmpty()) {
            errors.add("record.id: missing required field");
        } else if (!Identifiers.isRecordId(r.getId())) {
            errors.add("record.id: '" + r.getId() + "' is not a valid id (" + Identifiers.RECORD_ID_RULE + ")");
        }
        required(r.getStatus() != Status.STATUS_UNSPECIFIED, "status", errors);
        required(r.getSampleKind() != SampleKind.SAMPLE_KIND_UNSPECIFIED, "sample_kind", errors);
        required(r.getFileFormat() != FileFormat.FILE_FORMAT_UNSPECIFIED, "file_format", errors);
        pseudonym("subject_pseudonym", r.getSubjectPseudonym(), errors);
        pseudonym("sample_pseudonym", r.getSamplePseudonym(), errors);
        required(r.getSizeBytes() > 0, "size_bytes", errors);
        required(!r.getOwnerUnit().isEmpty(), "owner_unit", errors);
        if (r.getOwnerRegion().isEmpty()) {
            errors.add("record.owner_region: missing required field");
        } else if (!Regions.isRegion(r.getOwnerRegion())) {
            errors.add("record.owner_region: '" + r.getOwnerRegion() + "' is not one of " + String.join(", ", Regions.ALL));
        }
        if (r.getProducedOn().isEmpty()) {
            errors.add("record.produced_on: missing required field");
        } else if (!YEAR_MONTH.matcher(r.getProducedOn()).matches()) {
            errors.add("record.produced_on: '" + r.getProducedOn() + "' is not a year and month (YYYY-MM)");
        }
        if (!r.getPipeline().isEmpty() && !PIPELINE.matcher(r.getPipeline()).matches()) {
            errors.add("record.pipeline: '" + r.getPipeline() + "' is not name@version");
        }
        for (String parent : r.getDerivedFromList()) {
            if (!Identifiers.isRecordId(parent)) {
                errors.add("record.derived_from: '" + parent + "' is not a valid id");
            }
        }
        for (String code : r.getDataUseList()) {
            if (!DUO.matcher(code).matches()) {
                errors.add("record.data_use: '" + code + "' is not a DUO code (DUO:0000000)");
            }
        }
        for (Map.Entry<String, String> text : Map.of("owner_unit", r.getOwnerUnit(), "file_role", r.getFileRole(), "library_strategy",
                r.getLibraryStrategy(), "library_layout", r.getLibraryLayout(), "instrument_model", r.getInstrumentModel(), "basecaller",
                r.getBasecaller(), "reference_genome", r.getReferenceGenome(), "pipeline", r.getPipeline(), "access_policy_ref",
                r.getAccessPolicyRef()).entrySet()) {
            String v = text.getValue();
            if (v.length() > MAX_TEXT || v.codePoints().anyMatch(Character::isISOControl)) {
                errors.add("record." + text.getKey() + ": " + v.length() + " characters" + (v.codePoints().anyMatch(Character::isISOControl)
                        ? " with control characters" : "") + "; at most " + MAX_TEXT + " printable characters");
            }
        }
        if (r.getDerivedFromCount() > MAX_LIST || r.getDataUseCount() > MAX_LIST) {
            errors.add("record: derived_from and data_use hold at most " + MAX_LIST + " values each");
        }
        checksums(r.getChecksumsList(), errors);
        required(!hub.getStorageUri().isEmpty(), "storage_uri", errors);
    }

    private static void checksums(List<Checksum> checksums, List<String> errors) {
        Set<String> seen = new HashSet<>();
        for (Checksum c : checksums) {
            Pattern format = CHECKSUM_TYPES.get(c.getType());
            if (format == null) {
                errors.add("record.checksums: type '" + c.getType() + "' is not one of " + String.join(", ", CHECKSUM_TYPES.keySet()));
            } else if (!format.matcher(c.getValue()).matches()) {
                errors.add("record.checksums: " + c.getType() + " value '" + c.getValue() + "' is malformed (lower-case hex of the right length)");
            }
            if (!seen.add(c.getType())) {
                errors.add("record.checksums: type '" + c.getType() + "' given twice");
            }
        }
        if (!seen.contains("sha-256")) {
            errors.add("record.checksums: a sha-256 checksum is required");
        }
    }

    private static void pseudonym(String field, String value, List<String> errors) {
        if (value.isEmpty()) {
            errors.add("record." + field + ": missing required field");
        } else if (!PSEUDONYM.matcher(value).matches()) {
            errors.add("record." + field + ": '" + value + "' is not a pseudonym (4-64 of A-Z a-z 0-9 . _ -)");
        }
    }

    private static void required(boolean present, String field, List<String> errors) {
        if (!present) {
            errors.add("record." + field + ": missing required field");
        }
    }
}
