package dk.spejl.spoke.search;

import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.SortField;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A search as the API takes it ({@code GET /api/v1/records}), checked parameter by parameter. Anything
 * wrong is a {@link BadQuery} that names the parameter and what is wrong with it.
 *
 * @param text    the free-text words, in lower case
 * @param filters per filter field, the values any of which a record must have (ORed within, ANDed across)
 */
public record SearchQuery(List<String> text, Map<String, List<String>> filters, Range produced, Range size, SortOrder sort,
                          int limit, Optional<String> cursor) {
    public static final int MAX_LIMIT = 200;
    public static final int DEFAULT_LIMIT = 50;
    static final int MAX_QUERY_CHARS = 256;
    static final int MAX_WORDS = 12;
    static final int MAX_VALUES = 50;
    static final int MAX_VALUE_CHARS = 128;
    static final int MAX_CURSOR_CHARS = 1024;

    /** A parameter that is not right: 400, naming it. */
    public static final class BadQuery extends Exception {
        private final String parameter;

        BadQuery(String parameter, String message) {
            super(parameter + ": " + message);
            this.parameter = parameter;
        }

        public String parameter() {
            return parameter;
        }
    }

    /** An inclusive range; either end may be open. */
    public record Range(Long from, Long to) {
        static final Range ALL = new Range(null, null);

        boolean isAll() {
            return from == null && to == null;
        }

        boolean contains(long value) {
            return (from == null || value >= from) && (to == null || value <= to);
        }
    }

    public enum SortKey {
        RELEVANCE("relevance"), PRODUCED_ON("produced_on"), SIZE_BYTES("size_bytes"), ID("id");

        final String spelling;

        SortKey(String spelling) {
            this.spelling = spelling;
        }
    }

    /** Newest first: the order of a search without free text, unless it asks for another, and the index's own. */
    static final SortOrder DEFAULT_ORDER = new SortOrder(SortKey.PRODUCED_ON, true);

    public record SortOrder(SortKey key, boolean descending) {
        /** The order of a field sort; a search by relevance uses Lucene's own ordering (score, then index order). */
        Sort lucene() {
            SortField primary = switch (key) {
                case RELEVANCE -> throw new IllegalStateException("relevance is not a field sort");
                case PRODUCED_ON -> missingLast(new SortField(RecordDocuments.PRODUCED, SortField.Type.LONG, descending));
                case SIZE_BYTES -> new SortField(RecordDocuments.SIZE, SortField.Type.LONG, descending);
                case ID -> new SortField(RecordDocuments.ID, SortField.Type.STRING, descending);
            };
            // Ties in order of id, so that pages are the same on every spoke holding the revision.
            return key == SortKey.ID ? new Sort(primary) : new Sort(primary, new SortField(RecordDocuments.ID, SortField.Type.STRING));
        }

        private SortField missingLast(SortField field) {
            field.setMissingValue(descending ? Long.MIN_VALUE : Long.MAX_VALUE);
            return field;
        }

        @Override
        public String toString() {
            return key.spelling + (key == SortKey.RELEVANCE ? "" : descending ? ":desc" : ":asc");
        }
    }

    private static final Pattern YEAR_MONTH = Pattern.compile("\\d{4}-\\d{2}");
    private static final Set<String> OTHER_PARAMETERS = Set.of("q", "produced_on", "size_bytes", "sort", "limit", "cursor");

    /** Parses the query parameters of {@code GET /api/v1/records}. */
    public static SearchQuery parse(Map<String, List<String>> parameters) throws BadQuery {
        return parse(parameters, true);
    }

    /**
     * @param paging whether sort, limit and cursor are taken (the records search) or refused (counts)
     */
    static SearchQuery parse(Map<String, List<String>> parameters, boolean paging) throws BadQuery {
        Set<String> dimensions = Set.copyOf(RecordDocuments.names());
        for (String name : new TreeMap<>(parameters).keySet()) {
            boolean known = dimensions.contains(name) || (paging ? OTHER_PARAMETERS.contains(name) : Set.of("q", "produced_on", "size_bytes").contains(name));
            if (!known) {
                throw new BadQuery(name, "unknown parameter; this endpoint takes " + String.join(", ", known(paging)));
            }
            if (!dimensions.contains(name) && parameters.get(name).size() > 1) {
                throw new BadQuery(name, "given " + parameters.get(name).size() + " times; give it once");
            }
        }
        List<String> text = text(first(parameters, "q").orElse(""));
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (String dimension : RecordDocuments.names()) {
            List<String> values = parameters.getOrDefault(dimension, List.of());
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > MAX_VALUES) {
                throw new BadQuery(dimension, "at most " + MAX_VALUES + " values");
            }
            Predicate<String> allowed = FilterValues.allowed(dimension);
            for (String value : values) {
                if (!allowed.test(value)) {
                    throw new BadQuery(dimension, "'" + shown(value) + "' is not a value of this field (expected " + FilterValues.expected(dimension) + ")");
                }
            }
            filters.put(dimension, List.copyOf(new java.util.LinkedHashSet<>(values)));
        }
        Range produced = range(parameters, "produced_on", SearchQuery::month, "a year and month, e.g. 2024-03..2024-06, 2024-01.. or ..2023-12");
        Range size = range(parameters, "size_bytes", SearchQuery::bytes, "a number of bytes, e.g. 1000000..5000000000, 1000000.. or ..5000000000");
        boolean hasText = !text.isEmpty();
        SortOrder sort = paging ? sort(first(parameters, "sort"), hasText) : new SortOrder(SortKey.ID, false);
        if (sort.key() == SortKey.RELEVANCE && !hasText) {
            throw new BadQuery("sort", "relevance needs free text (q) to rank by");
        }
        int limit = paging ? limit(first(parameters, "limit")) : 0;
        Optional<String> cursor = paging ? first(parameters, "cursor") : Optional.empty();
        if (cursor.isPresent() && (cursor.get().isEmpty() || cursor.get().length() > MAX_CURSOR_CHARS)) {
            throw new BadQuery("cursor", "not a cursor this spoke gave out");
        }
        return new SearchQuery(text, filters, produced, size, sort, limit, cursor);
    }

    private static List<String> known(boolean paging) {
        List<String> names = new ArrayList<>(List.of("q"));
        names.addAll(RecordDocuments.names());
        names.addAll(List.of("produced_on", "size_bytes"));
        if (paging) {
            names.addAll(List.of("sort", "limit", "cursor"));
        }
        return names;
    }

    private static Optional<String> first(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    private static List<String> text(String q) throws BadQuery {
        if (q.length() > MAX_QUERY_CHARS) {
            throw new BadQuery("q", "at most " + MAX_QUERY_CHARS + " characters, got " + q.length());
        }
        if (!q.isEmpty() && !readable(q)) {
            throw new BadQuery("q", "holds control or invisible characters");
        }
        List<String> words = Arrays.stream(q.trim().split("\\s+")).filter(w -> !w.isEmpty())
                .map(w -> w.toLowerCase(Locale.ROOT)).distinct().toList();
        if (words.size() > MAX_WORDS) {
            throw new BadQuery("q", "at most " + MAX_WORDS + " words, got " + words.size());
        }
        return words;
    }

    static boolean printable(String value) {
        return !value.isEmpty() && value.length() <= MAX_VALUE_CHARS && readable(value);
    }

    private static boolean readable(String value) {
        return value.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                || Character.getType(c) == Character.SURROGATE || Character.getType(c) == Character.UNASSIGNED);
    }

    private static String shown(String value) {
        String s = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        return s.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    @FunctionalInterface
    private interface Bound {
        Long parse(String text);
    }

    private static Range range(Map<String, List<String>> parameters, String name, Bound bound, String expected) throws BadQuery {
        Optional<String> given = first(parameters, name);
        if (given.isEmpty()) {
            return Range.ALL;
        }
        String value = given.get();
        int dots = value.indexOf("..");
        if (dots < 0 || value.indexOf("..", dots + 2) >= 0 || value.length() > 64) {
            throw new BadQuery(name, "'" + shown(value) + "' is not a range (expected " + expected + ")");
        }
        String from = value.substring(0, dots);
        String to = value.substring(dots + 2);
        Long lower = from.isEmpty() ? null : bound.parse(from);
        Long upper = to.isEmpty() ? null : bound.parse(to);
        if ((!from.isEmpty() && lower == null) || (!to.isEmpty() && upper == null) || (from.isEmpty() && to.isEmpty())) {
            throw new BadQuery(name, "'" + shown(value) + "' is not a range (expected " + expected + ")");
        }
        if (lower != null && upper != null && lower > upper) {
            throw new BadQuery(name, "'" + shown(value) + "' ends before it starts");
        }
        return new Range(lower, upper);
    }

    private static Long month(String text) {
        if (!YEAR_MONTH.matcher(text).matches()) {
            return null;
        }
        long month = RecordDocuments.month(text);
        return month < 0 ? null : month;
    }

    private static Long bytes(String text) {
        if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException tooLarge) {
            return null;
        }
    }

    private static SortOrder sort(Optional<String> given, boolean hasText) throws BadQuery {
        if (given.isEmpty()) {
            return hasText ? new SortOrder(SortKey.RELEVANCE, true) : DEFAULT_ORDER;
        }
        String[] parts = given.get().split(":", -1);
        SortKey key = Arrays.stream(SortKey.values()).filter(k -> k.spelling.equals(parts[0])).findFirst().orElse(null);
        String keys = Arrays.stream(SortKey.values()).map(k -> k.spelling).collect(Collectors.joining(", "));
        if (key == null || parts.length > 2) {
            throw new BadQuery("sort", "'" + shown(given.get()) + "' is not a sort (expected one of " + keys + ", with :asc or :desc)");
        }
        if (parts.length == 1) {
            return new SortOrder(key, key == SortKey.RELEVANCE || key == SortKey.PRODUCED_ON || key == SortKey.SIZE_BYTES);
        }
        if (key == SortKey.RELEVANCE || !(parts[1].equals("asc") || parts[1].equals("desc"))) {
            throw new BadQuery("sort", "'" + shown(given.get()) + "' is not a sort (expected one of " + keys
                    + "; produced_on, size_bytes and id take :asc or :desc)");
        }
        return new SortOrder(key, parts[1].equals("desc"));
    }

    private static int limit(Optional<String> given) throws BadQuery {
        if (given.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        String value = given.get();
        if (value.isEmpty() || value.length() > 4 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new BadQuery("limit", "'" + shown(value) + "' is not a number from 1 to " + MAX_LIMIT);
        }
        int limit = Integer.parseInt(value);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadQuery("limit", limit + " is out of range: from 1 to " + MAX_LIMIT);
        }
        return limit;
    }

    /** Whether the search has free text or a range, which {@link #base} selects by; filters alone select by facet values. */
    boolean hasBase() {
        return !text.isEmpty() || !produced.isAll() || !size.isAll();
    }

    /** The query without its drill-downs: free text and ranges. */
    Query base() {
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        boolean any = false;
        for (String word : text) {
            query.add(TextQuery.word(word), BooleanClause.Occur.MUST);
            any = true;
        }
        if (!produced.isAll()) {
            query.add(LongPoint.newRangeQuery(RecordDocuments.PRODUCED, produced.from() == null ? Long.MIN_VALUE : produced.from(),
                    produced.to() == null ? Long.MAX_VALUE : produced.to()), BooleanClause.Occur.FILTER);
            any = true;
        }
        if (!size.isAll()) {
            query.add(LongPoint.newRangeQuery(RecordDocuments.SIZE, size.from() == null ? Long.MIN_VALUE : size.from(),
                    size.to() == null ? Long.MAX_VALUE : size.to()), BooleanClause.Occur.FILTER);
            any = true;
        }
        return any ? query.build() : new MatchAllDocsQuery();
    }

    /** The whole query: the base, and each filtered field's values, ORed within the field and ANDed across fields. */
    Query filtered() {
        if (filters.isEmpty()) {
            return base();
        }
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        if (hasBase()) {
            query.add(base(), BooleanClause.Occur.MUST);
        }
        filters.forEach((dimension, values) -> {
            BooleanQuery.Builder any = new BooleanQuery.Builder();
            values.forEach(v -> any.add(new TermQuery(new Term(RecordDocuments.filterField(dimension), v)), BooleanClause.Occur.SHOULD));
            query.add(any.build(), BooleanClause.Occur.FILTER);
        });
        return query.build();
    }

    /** What this search selects, whatever its order and page: the key its counts are kept under. */
    String selection() {
        StringBuilder s = new StringBuilder();
        s.append(String.join(" ", text)).append('\n');
        new TreeMap<>(filters).forEach((k, v) -> s.append(k).append('=').append(String.join("\u0001", new java.util.TreeSet<>(v))).append('\n'));
        s.append(produced).append('\n').append(size).append('\n');
        return s.toString();
    }

    /** A digest of what this search selects and how it is ordered: a cursor is good only for the search that made it. */
    byte[] fingerprint() {
        StringBuilder s = new StringBuilder(selection());
        s.append(sort).append('\n');
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
