package dk.spejl.spoke.search;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.wire.Record;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a record becomes a Lucene document (docs/design.md, "Search at the spoke"):
 * <ul>
 *   <li>keyword fields for ids, pseudonyms and the links between records, exact and in lower case for prefixes;</li>
 *   <li>text fields for pipeline, instrument, basecaller and unit, analysed in Danish and in English;</li>
 *   <li>numeric points with doc values for size and production month (ranges, and sorting that skips what cannot win);</li>
 *   <li>one SortedSet doc-values facet per filter field, so no taxonomy index has to be kept in step.</li>
 * </ul>
 * Values are spelt as ingest takes them (lower-case enums). Nothing is stored: a hit's id comes from
 * its doc values, and the record from the replica's view at the same revision.
 */
public final class RecordDocuments {
    public static final String ID = "id";
    static final String ID_LOWER = "id_lc";
    static final String SUBJECT = "subject_pseudonym";
    static final String SUBJECT_LOWER = "subject_lc";
    static final String SAMPLE = "sample_pseudonym";
    static final String SAMPLE_LOWER = "sample_lc";
    static final String DERIVED_FROM = "derived_from";
    static final String TEXT_DA = "text_da";
    static final String TEXT_EN = "text_en";
    public static final String SIZE = "size_bytes";
    public static final String PRODUCED = "produced_on";

    /** A filter field: its name (as in ingest, the query and the facets) and how its value is read off a record. */
    public record Dimension(String name, Function<Record, List<String>> values, boolean multiValued) {
    }

    /** The filter fields, in the order the facets are given. */
    public static final List<Dimension> DIMENSIONS = List.of(
            one("owner_region", Record::getOwnerRegion),
            one("owner_unit", Record::getOwnerUnit),
            one("file_format", r -> RecordJson.spell(r.getFileFormat().getValueDescriptor())),
            one("file_role", Record::getFileRole),
            one("platform", r -> RecordJson.spell(r.getPlatform().getValueDescriptor())),
            one("sample_kind", r -> RecordJson.spell(r.getSampleKind().getValueDescriptor())),
            one("library_strategy", Record::getLibraryStrategy),
            one("reference_genome", Record::getReferenceGenome),
            one("status", r -> RecordJson.spell(r.getStatus().getValueDescriptor())),
            new Dimension("data_use", Record::getDataUseList, true));

    static final FacetsConfig FACETS = facetsConfig();

    private static final Pattern YEAR_MONTH = Pattern.compile("(\\d{4})-(\\d{2})");

    private RecordDocuments() {
    }

    private static Dimension one(String name, Function<Record, String> value) {
        return new Dimension(name, r -> List.of(value.apply(r)), false);
    }

    private static FacetsConfig facetsConfig() {
        FacetsConfig config = new FacetsConfig();
        for (Dimension d : DIMENSIONS) {
            config.setMultiValued(d.name(), d.multiValued());
        }
        return config;
    }

    /** Danish and English for the text fields; ids and keywords are never analysed. */
    static Analyzer analyzer() {
        return new PerFieldAnalyzerWrapper(new KeywordAnalyzer(), Map.of(TEXT_DA, new DanishAnalyzer(), TEXT_EN, new EnglishAnalyzer()));
    }

    static Document document(Record r) throws IOException {
        Document doc = new Document();
        doc.add(new StringField(ID, r.getId(), Field.Store.NO));
        doc.add(new SortedDocValuesField(ID, new BytesRef(r.getId())));
        doc.add(new StringField(ID_LOWER, lower(r.getId()), Field.Store.NO));
        keyword(doc, SUBJECT, SUBJECT_LOWER, r.getSubjectPseudonym());
        keyword(doc, SAMPLE, SAMPLE_LOWER, r.getSamplePseudonym());
        for (String parent : r.getDerivedFromList()) {
            doc.add(new StringField(DERIVED_FROM, parent, Field.Store.NO));
        }
        String text = String.join(" ", r.getPipeline(), r.getInstrumentModel(), r.getBasecaller(), r.getOwnerUnit());
        doc.add(new TextField(TEXT_DA, text, Field.Store.NO));
        doc.add(new TextField(TEXT_EN, text, Field.Store.NO));
        doc.add(new LongPoint(SIZE, r.getSizeBytes()));
        doc.add(new NumericDocValuesField(SIZE, r.getSizeBytes()));
        long month = month(r.getProducedOn());
        if (month >= 0) {
            doc.add(new LongPoint(PRODUCED, month));
            doc.add(new NumericDocValuesField(PRODUCED, month));
        }
        for (Dimension d : DIMENSIONS) {
            for (String value : d.values().apply(r)) {
                if (!value.isEmpty() && !value.endsWith("_unspecified")) {
                    doc.add(new SortedSetDocValuesFacetField(d.name(), value));
                }
            }
        }
        return FACETS.build(doc);
    }

    private static void keyword(Document doc, String field, String lowerField, String value) {
        if (!value.isEmpty()) {
            doc.add(new StringField(field, value, Field.Store.NO));
            doc.add(new SortedDocValuesField(field, new BytesRef(value)));
            doc.add(new StringField(lowerField, lower(value), Field.Store.NO));
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** "2024-03" as a count of months (year × 12 + month − 1), or −1 when it is not such a value. */
    public static long month(String yearMonth) {
        Matcher m = YEAR_MONTH.matcher(yearMonth);
        if (!m.matches()) {
            return -1;
        }
        int month = Integer.parseInt(m.group(2));
        return month < 1 || month > 12 ? -1 : Long.parseLong(m.group(1)) * 12 + month - 1;
    }

    static List<String> names() {
        List<String> names = new ArrayList<>();
        DIMENSIONS.forEach(d -> names.add(d.name()));
        return names;
    }
}
