package dk.spejl.spoke.search;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.wire.Record;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.util.BytesRef;

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
 *   <li>a keyword field per filter field ({@link #filterField}), which filters select by;</li>
 *   <li>one sorted doc value, {@link #TUPLE}, that spells all the record's filter-field values at once: the facets
 *   are counted from it ({@link FacetTuples}), so no taxonomy index has to be kept in step.</li>
 * </ul>
 * Values are spelt as ingest takes them (lower-case enums). Nothing is stored: a hit's id comes from
 * its doc values, and the record from the replica's view at the same revision.
 */
public final class RecordDocuments {
    public static final String ID = "id";
    /** The id once more, as binary doc values: how a hit's id is read (a sorted value's look-up decodes a block of terms). */
    static final String ID_VALUE = "id_value";
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
    /** The record's values of every filter field, spelt by {@link #tuple}. */
    static final String TUPLE = "facet_tuple";
    /** The index's layout: an index committed under another one is rebuilt. */
    static final String SCHEMA = "3"; // 2: facet tuples, filter fields, sorted newest first; 3: binary ids and pseudonyms, text without positions

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

    private static final AnalysedText DANISH_TEXT = new AnalysedText(new DanishAnalyzer(), TEXT_DA);
    private static final AnalysedText ENGLISH_TEXT = new AnalysedText(new EnglishAnalyzer(), TEXT_EN);
    /**
     * Analysed text that only says which documents hold a word: a word of the text scores alike wherever it is
     * found ({@link TextQuery}), and no query asks for phrases, so neither frequencies, positions nor norms are kept.
     */
    private static final FieldType TEXT = text();
    private static final Pattern YEAR_MONTH = Pattern.compile("(\\d{4})-(\\d{2})");

    private RecordDocuments() {
    }

    private static Dimension one(String name, Function<Record, String> value) {
        return new Dimension(name, r -> List.of(value.apply(r)), false);
    }

    /** Danish and English for the text fields; ids and keywords are never analysed. */
    static Analyzer analyzer() {
        return new PerFieldAnalyzerWrapper(new KeywordAnalyzer(), Map.of(TEXT_DA, new DanishAnalyzer(), TEXT_EN, new EnglishAnalyzer()));
    }

    static Document document(Record r) {
        Document doc = new Document();
        // The id sorts (the index's order, and ties): sorted doc values. The pseudonyms are only read back, for
        // discovery counts: binary ones, which a build writes without hashing and sorting a million distinct values.
        keyword(doc, ID, ID_LOWER, r.getId());
        if (!r.getId().isEmpty()) {
            doc.add(new SortedDocValuesField(ID, new BytesRef(r.getId())));
            doc.add(new BinaryDocValuesField(ID_VALUE, new BytesRef(r.getId())));
        }
        keyword(doc, SUBJECT, SUBJECT_LOWER, r.getSubjectPseudonym());
        keyword(doc, SAMPLE, SAMPLE_LOWER, r.getSamplePseudonym());
        if (!r.getSubjectPseudonym().isEmpty()) {
            doc.add(new BinaryDocValuesField(SUBJECT, new BytesRef(r.getSubjectPseudonym())));
        }
        if (!r.getSamplePseudonym().isEmpty()) {
            doc.add(new BinaryDocValuesField(SAMPLE, new BytesRef(r.getSamplePseudonym())));
        }
        for (String parent : r.getDerivedFromList()) {
            doc.add(new StringField(DERIVED_FROM, parent, Field.Store.NO));
        }
        String text = String.join(" ", r.getPipeline(), r.getInstrumentModel(), r.getBasecaller(), r.getOwnerUnit());
        doc.add(new Field(TEXT_DA, DANISH_TEXT.of(text), TEXT));
        doc.add(new Field(TEXT_EN, ENGLISH_TEXT.of(text), TEXT));
        doc.add(new LongPoint(SIZE, r.getSizeBytes()));
        doc.add(new NumericDocValuesField(SIZE, r.getSizeBytes()));
        long month = month(r.getProducedOn());
        if (month >= 0) {
            doc.add(new LongPoint(PRODUCED, month));
            doc.add(new NumericDocValuesField(PRODUCED, month));
        }
        List<List<String>> tuple = new ArrayList<>(DIMENSIONS.size());
        for (Dimension d : DIMENSIONS) {
            List<String> values = facetValues(d, r);
            for (String value : values) {
                doc.add(new StringField(filterField(d.name()), value, Field.Store.NO));
            }
            tuple.add(values);
        }
        doc.add(new SortedDocValuesField(TUPLE, new BytesRef(tuple(tuple))));
        return doc;
    }

    /** The keyword field that a filter on {@code dimension} selects by. */
    static String filterField(String dimension) {
        return "f." + dimension;
    }

    /** A record's values in a filter field, as they are filtered and counted by: none for an unset one. */
    static List<String> facetValues(Dimension d, Record r) {
        List<String> values = new ArrayList<>(1);
        for (String value : d.values().apply(r)) {
            if (!value.isEmpty() && !value.endsWith("_unspecified") && !values.contains(value)) {
                values.add(value);
            }
        }
        return values;
    }

    /**
     * Every filter field's values, in the order of {@link #DIMENSIONS}, spelt so that no two tuples are spelt
     * alike whatever their values hold: for each field its count of values, then each value's length and the value.
     */
    static String tuple(List<List<String>> values) {
        StringBuilder s = new StringBuilder();
        for (List<String> field : values) {
            s.append(field.size()).append(';');
            for (String value : field) {
                s.append(value.length()).append(':').append(value);
            }
        }
        return s.toString();
    }

    /** The values {@link #tuple} spelt. */
    static List<List<String>> parseTuple(String spelt) {
        List<List<String>> fields = new ArrayList<>(DIMENSIONS.size());
        int at = 0;
        while (at < spelt.length()) {
            int semicolon = spelt.indexOf(';', at);
            int count = Integer.parseInt(spelt, at, semicolon, 10);
            at = semicolon + 1;
            List<String> field = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int colon = spelt.indexOf(':', at);
                int length = Integer.parseInt(spelt, at, colon, 10);
                field.add(spelt.substring(colon + 1, colon + 1 + length));
                at = colon + 1 + length;
            }
            fields.add(field);
        }
        return fields;
    }

    /** An exact keyword, and its lower-case form for free text when that differs. */
    private static void keyword(Document doc, String field, String lowerField, String value) {
        if (!value.isEmpty()) {
            doc.add(new StringField(field, value, Field.Store.NO));
            String lower = lower(value);
            if (!lower.equals(value)) {
                doc.add(new StringField(lowerField, lower, Field.Store.NO));
            }
        }
    }

    private static FieldType text() {
        FieldType type = new FieldType();
        type.setTokenized(true);
        type.setIndexOptions(IndexOptions.DOCS);
        type.setOmitNorms(true);
        type.freeze();
        return type;
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
