package dk.spejl.hub.catalogue;

import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class IngestParserTest {
    private final HubRecord sample = new CatalogueGenerator(42).generate(1).get(0);
    private final String good = CatalogueGenerator.putLine(sample);

    /** A put line with one field of the record replaced by a raw JSON value (or removed when null). */
    private String withField(String field, String rawJson) {
        String record = good.substring(good.indexOf("\"record\":") + 9, good.length() - 1);
        com.fasterxml.jackson.databind.node.ObjectNode node;
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            node = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(record);
            if (rawJson == null) {
                node.remove(field);
            } else {
                node.set(field, mapper.readTree(rawJson));
            }
            return "{\"op\":\"put\",\"record\":" + mapper.writeValueAsString(node) + "}";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<IngestError> errors(String... lines) {
        return catchThrowableOfType(IngestRejectedException.class, () -> IngestParser.parse(List.of(lines))).errors();
    }

    @Test
    void acceptsGeneratedRecordsAndDeletes() throws Exception {
        ChangeSet changes = IngestParser.parse(List.of(good, CatalogueGenerator.deleteLine("ngcf-0123456789abcdef")));
        assertThat(changes.puts()).hasSize(1);
        assertThat(changes.puts().get(0).record()).isEqualTo(sample);
        assertThat(changes.deletes()).extracting(ChangeSet.Delete::id).containsExactly("ngcf-0123456789abcdef");
    }

    @Test
    void refusesUnknownFields() {
        assertThat(errors(withField("patient_name", "\"x\""))).singleElement().asString().contains("record.patient_name: unknown field");
        assertThat(errors("{\"op\":\"delete\",\"id\":\"ngcf-1234\",\"why\":\"x\"}")).singleElement().asString().contains("why: unknown field");
    }

    @Test
    void refusesBadEnumValues() {
        assertThat(errors(withField("file_format", "\"BAM\""))).singleElement().asString().contains("file_format", "FASTQ, UBAM, CRAM, VCF, GVCF");
        assertThat(errors(withField("status", "\"STATUS_UNSPECIFIED\""))).singleElement().asString().contains("status");
        assertThat(errors(withField("platform", "7"))).singleElement().asString().contains("platform");
    }

    @Test
    void acceptsEnumValuesInEitherCase() throws Exception {
        assertThat(IngestParser.parse(List.of(withField("file_format", "\"cram\""))).puts()).hasSize(1);
    }

    @Test
    void refusesMissingRequiredFields() {
        for (String field : List.of("id", "status", "subject_pseudonym", "sample_pseudonym", "sample_kind", "file_format",
                "size_bytes", "checksums", "owner_region", "owner_unit", "produced_on", "storage_uri")) {
            assertThat(errors(withField(field, null))).as(field).anySatisfy(e -> assertThat(e.message()).contains(field));
        }
    }

    @Test
    void refusesOverlongOrControlCharacterWords() throws Exception {
        for (String field : List.of("owner_unit", "file_role", "library_strategy", "reference_genome", "instrument_model", "basecaller")) {
            assertThat(errors(withField(field, "\"" + "x".repeat(RecordRules.MAX_TEXT + 1) + "\""))).as(field).singleElement().asString()
                    .contains("record." + field).contains("at most 128");
            assertThat(errors(withField(field, "\"a\\nb\""))).as(field).singleElement().asString().contains("control characters");
            assertThat(IngestParser.parse(List.of(withField(field, "\"" + "x".repeat(RecordRules.MAX_TEXT) + "\""))).puts())
                    .as(field + " at the limit").hasSize(1);
        }
    }

    @Test
    void refusesMalformedChecksums() {
        assertThat(errors(withField("checksums", "[{\"type\":\"sha-256\",\"value\":\"abc\"}]"))).singleElement().asString().contains("malformed");
        assertThat(errors(withField("checksums", "[{\"type\":\"sha-256\",\"value\":\"" + "A".repeat(64) + "\"}]"))).singleElement().asString().contains("malformed");
        assertThat(errors(withField("checksums", "[{\"type\":\"md5\",\"value\":\"" + "a".repeat(32) + "\"}]"))).singleElement().asString().contains("sha-256 checksum is required");
        assertThat(errors(withField("checksums", "[{\"type\":\"crc64\",\"value\":\"00\"},{\"type\":\"sha-256\",\"value\":\"" + "a".repeat(64) + "\"}]"))).singleElement().asString().contains("crc64");
    }

    @Test
    void refusesBadShapesOfOtherFields() {
        assertThat(errors(withField("produced_on", "\"2024-03-15\""))).singleElement().asString().contains("YYYY-MM");
        assertThat(errors(withField("owner_region", "\"bornholm\""))).singleElement().asString().contains("nordjylland");
        assertThat(errors(withField("size_bytes", "-5"))).singleElement().asString().contains("size_bytes");
        assertThat(errors(withField("size_bytes", "\"big\""))).singleElement().asString().contains("size_bytes");
        assertThat(errors(withField("pipeline", "\"sarek\""))).singleElement().asString().contains("name@version");
        assertThat(errors(withField("data_use", "[\"GRU\"]"))).singleElement().asString().contains("DUO");
        assertThat(errors(withField("id", "\"a b\""))).singleElement().asString().contains("not a valid id");
        assertThat(errors("not json")).singleElement().asString().contains("not valid JSON");
        assertThat(errors("{\"op\":\"upsert\"}")).singleElement().asString().contains("\"put\" or \"delete\"");
    }

    @Test
    void refusesAnythingThatLooksLikeACprNumberAnywhereWithoutRepeatingIt() {
        for (String[] where : new String[][] {{"subject_pseudonym", "\"120385-1234\""}, {"owner_unit", "\"rh 1203851234\""},
                {"derived_from", "[\"0101011234\"]"}, {"file_role", "\"from 311299-0001\""}}) {
            List<IngestError> errors = errors(withField(where[0], where[1]));
            assertThat(errors).as(where[0]).singleElement().satisfies(e -> {
                assertThat(e.message()).contains("CPR").contains(where[0]);
                assertThat(e.message()).doesNotContain("1234", "0001");
            });
        }
        assertThat(errors("{\"op\":\"delete\",\"id\":\"1203851234\"}")).singleElement().asString().contains("CPR");
    }

    @Test
    void oneBadLineRefusesTheWholeFileAndListsEveryErrorByLine() {
        List<IngestError> errors = errors(good, withField("file_format", "\"BAM\""), CatalogueGenerator.deleteLine("ok-id-1"),
                withField("owner_region", "\"bornholm\""));
        assertThat(errors).extracting(IngestError::line).containsExactly(2, 4);
    }

    @Test
    void listsDeletesOfUnknownIdsWithTheOtherErrors() {
        List<IngestError> errors = catchThrowableOfType(IngestRejectedException.class, () -> IngestParser.parse(List.of(
                withField("owner_region", "\"bornholm\""), CatalogueGenerator.deleteLine("ngcf-gone"),
                CatalogueGenerator.deleteLine("ngcf-here")), id -> id.equals("ngcf-here"))).errors();
        assertThat(errors).extracting(IngestError::line).containsExactly(1, 2);
        assertThat(errors.get(1).message()).contains("ngcf-gone", "no such record");
    }

    @Test
    void refusesTwoChangesToOneRecordInAFile() {
        assertThat(errors(good, good)).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.message()).contains("already appears on line 1");
        });
    }

    @Test
    void refusesAnEmptyFile() {
        assertThatThrownBy(() -> IngestParser.parse(List.of("", "  "))).isInstanceOf(IngestRejectedException.class)
                .hasMessageContaining("no changes");
    }

    @Test
    void refusesACprNumberInAnyStringItTakesInHoweverItIsWritten() {
        String[][] places = {
                {"id", "\"pt1203851234\""},
                {"sample_pseudonym", "\"sa\uff11\uff12\uff10\uff13\uff18\uff15\uff11\uff12\uff13\uff14\""},
                {"basecaller", "\"dorado 1203\u200b85-1234\""},
                {"data_use", "[\"DUO:0000006\", \"610185/1234\"]"},
                {"library_strategy", "\"WGS \u0661\u0662\u0660\u0663\u0668\u0665\u0661\u0662\u0663\u0664\""}};
        for (String[] where : places) {
            assertThat(errors(withField(where[0], where[1]))).as(where[0]).singleElement().satisfies(e -> {
                assertThat(e.message()).contains("CPR", where[0]);
                assertThat(e.message()).doesNotContain("1234");
            });
        }
        String key = good.replace("\"record\":{", "\"record\":{\"note_1203851234\":\"x\",");
        assertThat(errors(key)).anySatisfy(e -> assertThat(e.message()).contains("field name looks like a CPR number"));
    }

    @Test
    void leavesOutChecksumsInHexAndNumbersWrittenAsStringsButNothingElseInTheirPlace() throws Exception {
        String hex = "9f1203851234" + "a".repeat(52);
        ChangeSet checked = IngestParser.parse(List.of(withField("checksums", "[{\"type\":\"sha-256\",\"value\":\"" + hex + "\"}]")));
        assertThat(checked.puts().get(0).record().getRecord().getChecksums(0).getValue()).isEqualTo(hex);
        ChangeSet sized = IngestParser.parse(List.of(withField("size_bytes", "\"1203851234\"")));
        assertThat(sized.puts().get(0).record().getRecord().getSizeBytes()).isEqualTo(1203851234L);
        assertThat(errors(withField("checksums", "[{\"type\":\"sha-256\",\"value\":\"pt 120385-1234\"}]")))
                .anySatisfy(e -> assertThat(e.message()).contains("record.checksums[0].value", "CPR"));
        assertThat(errors(withField("size_bytes", "\"120385-1234\""))).singleElement().satisfies(e -> assertThat(e.message()).contains("CPR"));
        // Hex of another type's length is not left out: a 32-digit value under sha-256 is scanned, and refused without echo.
        String short32 = "0101901234" + "f".repeat(22);
        assertThat(errors(withField("checksums", "[{\"type\":\"sha-256\",\"value\":\"" + short32 + "\"}]")))
                .singleElement().satisfies(e -> {
                    assertThat(e.message()).contains("record.checksums[0].value", "CPR");
                    assertThat(e.message()).doesNotContain(short32);
                });
    }

    @Test
    void refusesAKeyGivenTwiceInOneObjectSoTheFirstCannotHide() {
        String twice = good.replace("\"record\":{", "\"record\":{\"subject_pseudonym\":\"120385-1234\",");
        assertThat(errors(twice)).singleElement().satisfies(e -> {
            assertThat(e.message()).contains("not valid JSON", "Duplicate field 'subject_pseudonym'");
            assertThat(e.message()).doesNotContain("1234");
        });
        assertThat(errors("{\"op\":\"delete\",\"op\":\"put\",\"id\":\"ngcf-1\"}")).singleElement().asString().contains("Duplicate field 'op'");
    }

    @Test
    void aRefusalBeyondAThousandErrorsCountsTheRestByKind() {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            lines.add(withField("owner_unit", "\"unit 1203851234\""));
        }
        for (int i = 0; i < 30; i++) {
            lines.add("not json");
        }
        lines.add(withField("patient_name", "\"x\""));
        IngestRejectedException refused = catchThrowableOfType(IngestRejectedException.class, () -> IngestParser.parse(lines));
        assertThat(refused.errors()).hasSize(IngestParser.MAX_LISTED_ERRORS);
        assertThat(refused.unlisted()).containsExactly(java.util.Map.entry("CPR-like value", 200L), java.util.Map.entry("malformed JSON", 30L),
                java.util.Map.entry("unknown field", 1L));
        assertThat(refused.getMessage()).startsWith("1231 error(s)");
    }
}
