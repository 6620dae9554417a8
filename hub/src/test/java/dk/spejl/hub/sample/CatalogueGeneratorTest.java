package dk.spejl.hub.sample;

import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.catalogue.IngestParser;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogueGeneratorTest {
    @Test
    void sameSeedSameCatalogue() {
        assertThat(new CatalogueGenerator(9).generate(500)).isEqualTo(new CatalogueGenerator(9).generate(500));
        assertThat(new CatalogueGenerator(9).generate(50)).isNotEqualTo(new CatalogueGenerator(10).generate(50));
    }

    @Test
    void everyGeneratedRecordPassesIngestValidation() throws Exception {
        List<HubRecord> records = new CatalogueGenerator(3).generate(20_000);
        ChangeSet parsed = IngestParser.parse(records.stream().map(CatalogueGenerator::putLine).toList());
        assertThat(parsed.puts()).hasSize(20_000);
        assertThat(records.stream().map(r -> r.getRecord().getId()).collect(Collectors.toSet())).hasSize(20_000);
    }

    @Test
    void proportionsLookLikeANationalGenomeProgramme() {
        List<HubRecord> records = new CatalogueGenerator(5).generate(50_000);
        Map<FileFormat, Long> formats = records.stream().collect(Collectors.groupingBy(r -> r.getRecord().getFileFormat(), Collectors.counting()));
        // Paired FASTQ: twice as many FASTQ as short-read CRAMs; uBAM only for long reads.
        assertThat(formats.get(FileFormat.FASTQ)).isBetween(15_000L, 25_000L);
        assertThat(formats.get(FileFormat.UBAM)).isBetween(1_000L, 4_000L);
        assertThat(formats.keySet()).containsExactlyInAnyOrder(FileFormat.values()[1], FileFormat.values()[2], FileFormat.values()[3],
                FileFormat.values()[4], FileFormat.values()[5]);
        assertThat(new HashSet<>(records.stream().map(r -> r.getRecord().getOwnerRegion()).toList())).hasSize(5);
        double meanCramGb = records.stream().filter(r -> r.getRecord().getFileFormat() == FileFormat.CRAM)
                .mapToLong(r -> r.getRecord().getSizeBytes()).average().orElseThrow() / 1e9;
        assertThat(meanCramGb).isBetween(15.0, 60.0);
        double meanJson = records.stream().limit(1000).mapToInt(r -> CatalogueGenerator.putLine(r).length()).average().orElseThrow();
        assertThat(meanJson).isBetween(500.0, 1200.0);
    }
}
