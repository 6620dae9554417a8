package dk.spejl.spoke.web;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The record page's model: every mirrored field, labelled, and the lineage as columns from the oldest ancestors
 * through the record to its derivatives (FASTQ → CRAM → VCF).
 */
public record RecordPage(Frame frame, String id, String title, List<Field> fields, List<List<Node>> lineage,
                         boolean derivativesKnown) {
    public record Field(String label, String value, Optional<String> href) {
    }

    /** One record in the lineage: its id, what it is, and whether it is the record shown. */
    public record Node(String id, String href, String kind, boolean current) {
    }

    /** Every record id the page names: the record's, and each in its lineage (for the browse log). */
    public List<String> shown() {
        List<String> ids = new ArrayList<>(List.of(id));
        lineage.forEach(column -> column.forEach(n -> {
            if (!ids.contains(n.id())) {
                ids.add(n.id());
            }
        }));
        return ids;
    }

    static RecordPage of(Frame frame, Record r, Optional<List<String>> derivatives, Map<String, Record> related) {
        Messages m = frame.m();
        List<Field> f = new ArrayList<>();
        add(f, m, "field.id", r.getId());
        add(f, m, "field.status", m.value("status", spell(r.getStatus().getValueDescriptor())));
        f.add(new Field(m.lookup("field.subject_pseudonym"), r.getSubjectPseudonym(),
                Optional.of("/subjects/" + SearchPage.encode(r.getSubjectPseudonym()))));
        add(f, m, "field.sample_pseudonym", r.getSamplePseudonym());
        add(f, m, "field.sample_kind", m.value("sample_kind", spell(r.getSampleKind().getValueDescriptor())));
        add(f, m, "field.file_format", m.value("file_format", spell(r.getFileFormat().getValueDescriptor())));
        add(f, m, "field.file_role", r.getFileRole());
        add(f, m, "field.library_strategy", r.getLibraryStrategy());
        add(f, m, "field.library_layout", r.getLibraryLayout());
        add(f, m, "field.platform", m.value("platform", spell(r.getPlatform().getValueDescriptor())));
        add(f, m, "field.instrument_model", r.getInstrumentModel());
        add(f, m, "field.read_length", r.getReadLength() == 0 ? "" : m.number(Integer.toUnsignedLong(r.getReadLength())));
        add(f, m, "field.basecaller", r.getBasecaller());
        add(f, m, "field.reference_genome", r.getReferenceGenome());
        add(f, m, "field.pipeline", r.getPipeline());
        add(f, m, "field.size_bytes", m.size(r.getSizeBytes()) + " (" + m.format("record.bytes", m.number(r.getSizeBytes())) + ")");
        for (Checksum c : r.getChecksumsList()) {
            f.add(new Field(m.format("record.checksum", c.getType()), c.getValue(), Optional.empty()));
        }
        add(f, m, "field.owner_region", m.value("owner_region", r.getOwnerRegion()));
        add(f, m, "field.owner_unit", r.getOwnerUnit());
        add(f, m, "field.produced_on", r.getProducedOn());
        add(f, m, "field.data_use", String.join(", ", r.getDataUseList()));
        add(f, m, "field.access_policy_ref", r.getAccessPolicyRef());
        String title = m.value("file_format", spell(r.getFileFormat().getValueDescriptor())) + " · " + r.getFileRole();
        return new RecordPage(frame, r.getId(), title, f, lineage(m, r, derivatives.orElse(List.of()), related), derivatives.isPresent());
    }

    /** Columns of the lineage: ancestors by generation (oldest first), the record, then its derivatives. */
    private static List<List<Node>> lineage(Messages m, Record r, List<String> derivatives, Map<String, Record> related) {
        List<List<Node>> generations = new ArrayList<>();
        List<String> level = r.getDerivedFromList();
        java.util.Set<String> placed = new java.util.HashSet<>(List.of(r.getId()));
        while (!level.isEmpty()) {
            List<Node> column = new ArrayList<>();
            List<String> up = new ArrayList<>();
            for (String id : level) {
                if (placed.add(id)) {
                    column.add(node(m, id, related.get(id), false));
                    Record parent = related.get(id);
                    if (parent != null) {
                        up.addAll(parent.getDerivedFromList());
                    }
                }
            }
            if (column.isEmpty()) {
                break;
            }
            generations.add(0, column);
            level = up;
        }
        generations.add(List.of(node(m, r.getId(), r, true)));
        List<Node> children = derivatives.stream().map(id -> node(m, id, related.get(id), false)).toList();
        if (!children.isEmpty()) {
            generations.add(children);
        }
        return generations;
    }

    private static Node node(Messages m, String id, Record r, boolean current) {
        String kind = r == null ? m.lookup("record.not_held")
                : m.value("file_format", spell(r.getFileFormat().getValueDescriptor())) + " · " + r.getFileRole();
        return new Node(id, "/records/" + SearchPage.encode(id), kind, current);
    }

    private static void add(List<Field> fields, Messages m, String key, String value) {
        if (!value.isEmpty()) {
            fields.add(new Field(m.lookup(key), value, Optional.empty()));
        }
    }

    private static String spell(com.google.protobuf.Descriptors.EnumValueDescriptor v) {
        return RecordJson.spell(v);
    }
}
