package dk.spejl.spoke.web;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The subject page's model: patient → samples → files by role, each file a link to its record. */
public record SubjectPage(Frame frame, String pseudonym, String summary, List<Sample> samples) {
    public record Sample(String pseudonym, String kind, List<Role> roles) {
    }

    public record Role(String role, List<File> files) {
    }

    public record File(String id, String href, String format, String produced, String size, String status) {
    }

    static SubjectPage of(Frame frame, String pseudonym, List<Record> records) {
        Messages m = frame.m();
        Map<String, Map<String, List<Record>>> bySample = new TreeMap<>();
        Map<String, String> kinds = new TreeMap<>();
        for (Record r : records) {
            bySample.computeIfAbsent(r.getSamplePseudonym(), s -> new TreeMap<>()).computeIfAbsent(r.getFileRole(), x -> new ArrayList<>()).add(r);
            kinds.putIfAbsent(r.getSamplePseudonym(), m.value("sample_kind", RecordJson.spell(r.getSampleKind().getValueDescriptor())));
        }
        List<Sample> samples = new ArrayList<>();
        bySample.forEach((sample, roles) -> {
            List<Role> list = new ArrayList<>();
            roles.forEach((role, files) -> list.add(new Role(role, files.stream().map(r -> new File(r.getId(),
                    "/records/" + SearchPage.encode(r.getId()), m.value("file_format", RecordJson.spell(r.getFileFormat().getValueDescriptor())),
                    r.getProducedOn(), m.size(r.getSizeBytes()), m.value("status", RecordJson.spell(r.getStatus().getValueDescriptor())))).toList())));
            samples.add(new Sample(sample, kinds.get(sample), list));
        });
        return new SubjectPage(frame, pseudonym, m.format("subject.summary", m.number(samples.size()), m.number(records.size())), samples);
    }
}
