package dk.spejl.spoke.browse;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.Record;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming writer the search uses gives, byte for byte, what the reflective one gives. */
class RecordJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String streamed(Record r) throws Exception {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            RecordJson.write(r, g);
        }
        return out.toString();
    }

    @Test
    void theStreamingWriterMatchesTheReflectiveOneOnEveryShapeOfRecord() throws Exception {
        List<Record> records = new ArrayList<>();
        new CatalogueGenerator(5).generate(5_000).forEach(h -> records.add(h.getRecord()));
        records.add(Record.getDefaultInstance());
        records.add(Record.newBuilder().setId("ngcf-0000000000000001").setReadLength(-1).setSizeBytes(Long.MAX_VALUE)
                .addChecksums(Checksum.newBuilder().setType("md5")).addDataUse("DUO:0000043").addDerivedFrom("a\"b\\c\u00e6").build());
        for (Record r : records) {
            assertThat(streamed(r)).as(r.getId()).isEqualTo(JSON.writeValueAsString(RecordJson.of(r)));
        }
    }
}
