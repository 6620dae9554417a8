package dk.spejl.hub.catalogue;

import com.google.protobuf.CodedOutputStream;
import dk.spejl.digest.Canonical;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.wire.HubRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stored form of a record, from which snapshots and state digests copy canonical bytes unparsed. */
class StoredRecordTest {
    private final List<HubRecord> records = new CatalogueGenerator(5).generate(200);

    @Test
    void theStoredValueIsTheHubRecordAndCarriesTheCanonicalBytesOfItsProjection() throws Exception {
        for (HubRecord record : records) {
            byte[] stored = RecordStore.stored(record);
            assertThat(HubRecord.parseFrom(stored)).isEqualTo(record);
            assertThat(RecordStore.canonicalOf(stored)).isEqualTo(Canonical.bytes(record.getRecord()));
        }
    }

    @Test
    void aRecordWithoutAStorageUriIsStoredWithoutTheField() throws Exception {
        HubRecord bare = records.get(0).toBuilder().clearStorageUri().build();
        byte[] stored = RecordStore.stored(bare);
        assertThat(stored.length).isEqualTo(CodedOutputStream.computeByteArraySize(1, Canonical.bytes(bare.getRecord())));
        assertThat(HubRecord.parseFrom(stored)).isEqualTo(bare);
    }

    @Test
    void theCanonicalBytesAreFoundWhateverTheFieldOrder() throws Exception {
        // A value written storage_uri first is still a valid HubRecord; the reader must not assume the order.
        HubRecord record = records.get(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        stream.writeString(2, record.getStorageUri());
        stream.writeByteArray(1, Canonical.bytes(record.getRecord()));
        stream.flush();
        assertThat(RecordStore.canonicalOf(out.toByteArray())).isEqualTo(Canonical.bytes(record.getRecord()));
    }

    @Test
    void aValueWithoutARecordIsReportedAsCorrupt() {
        byte[] onlyUri = HubRecord.newBuilder().setStorageUri("file:///x").build().toByteArray();
        assertThatThrownBy(() -> RecordStore.canonicalOf(onlyUri)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        assertThatThrownBy(() -> RecordStore.canonicalOf(new byte[] {0x0a, 0x7f, 0x01})).isInstanceOf(IOException.class);
    }
}
