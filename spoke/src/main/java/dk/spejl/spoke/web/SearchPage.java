package dk.spejl.spoke.web;

import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.spoke.search.Search;
import dk.spejl.wire.Record;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The search page's model: the query as the URL holds it, the facets with their counts, the result rows, the sort
 * links and the next page. Every link is built here, percent-encoded; the template only escapes.
 */
public record SearchPage(Frame frame, String q, String total, List<Facet> facets, List<Column> columns, List<Row> rows,
                         Optional<String> nextHref, Optional<String> firstHref, Map<String, String> hidden, Optional<String> error) {
    /** Facet values shown per field before "more" (the selected ones always are). */
    static final int FACET_VALUES = 12;

    public record Facet(String field, String label, List<Option> options) {
    }

    public record Option(String id, String field, String value, String label, String count, boolean checked) {
    }

    /** A result column; sortable ones link to the search sorted by them, and say how it is sorted now. */
    public record Column(String label, Optional<String> href, String ariaSort) {
    }

    public record Row(String id, String href, String subject, String subjectHref, String sample, String format, String role,
                      String platform, String reference, String unit, String produced, String size) {
    }

    /** The page for {@code parameters} (the URL's query) answered by {@code page}. */
    static SearchPage of(Frame frame, Map<String, List<String>> parameters, Search.Page page) {
        Messages m = frame.m();
        List<Facet> facets = new ArrayList<>();
        page.facets().forEach((field, values) -> {
            List<String> selected = parameters.getOrDefault(field, List.of());
            List<Option> options = new ArrayList<>();
            for (Search.FacetValue v : values) {
                boolean checked = selected.contains(v.value());
                if (checked || options.size() < FACET_VALUES) {
                    options.add(new Option("f-" + field + "-" + options.size(), field, v.value(), m.value(field, v.value()),
                            m.number(v.count()), checked));
                }
            }
            for (String s : selected) { // a selected value no record has any more still shows, so it can be unticked
                if (values.stream().noneMatch(v -> v.value().equals(s))) {
                    options.add(new Option("f-" + field + "-" + options.size(), field, s, m.value(field, s), "0", true));
                }
            }
            if (!options.isEmpty()) {
                facets.add(new Facet(field, m.lookup("field." + field), options));
            }
        });
        List<Row> rows = new ArrayList<>();
        for (Record r : page.hits()) {
            rows.add(new Row(r.getId(), "/records/" + encode(r.getId()), r.getSubjectPseudonym(), "/subjects/" + encode(r.getSubjectPseudonym()),
                    r.getSamplePseudonym(), m.value("file_format", RecordJson.spell(r.getFileFormat().getValueDescriptor())), r.getFileRole(),
                    m.value("platform", RecordJson.spell(r.getPlatform().getValueDescriptor())), r.getReferenceGenome(), r.getOwnerUnit(),
                    r.getProducedOn(), m.size(r.getSizeBytes())));
        }
        String sort = first(parameters, "sort").orElse(first(parameters, "q").isPresent() ? "relevance" : "produced_on:desc");
        List<Column> columns = List.of(
                sortable(m, parameters, sort, "column.id", "id", "asc"),
                plain(m, "column.subject"), plain(m, "column.sample"), plain(m, "column.format"), plain(m, "column.role"),
                plain(m, "column.platform"), plain(m, "column.reference"), plain(m, "column.unit"),
                sortable(m, parameters, sort, "column.produced", "produced_on", "desc"),
                sortable(m, parameters, sort, "column.size", "size_bytes", "desc"));
        Optional<String> next = page.next().map(cursor -> href(with(parameters, "cursor", cursor)));
        Optional<String> firstPage = parameters.containsKey("cursor") ? Optional.of(href(with(parameters, "cursor", null))) : Optional.empty();
        Map<String, String> hidden = new LinkedHashMap<>();
        first(parameters, "sort").ifPresent(s -> hidden.put("sort", s));
        first(parameters, "limit").ifPresent(s -> hidden.put("limit", s));
        String total = page.totalExact() ? m.format("search.total", m.number(page.total()))
                : m.format("search.total_more", m.number(page.total()));
        return new SearchPage(frame, first(parameters, "q").orElse(""), total, facets, columns, rows, next, firstPage, hidden, Optional.empty());
    }

    /** The page for a search that could not be answered: the form as it was, and why. */
    static SearchPage failed(Frame frame, Map<String, List<String>> parameters, String error) {
        return new SearchPage(frame, first(parameters, "q").orElse(""), "", List.of(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), Map.of(), Optional.of(error));
    }

    public boolean hasRows() {
        return !rows.isEmpty();
    }

    private static Column plain(Messages m, String key) {
        return new Column(m.lookup(key), Optional.empty(), "none");
    }

    /** A column sorted by {@code field}: a click sorts by it ({@code first} way first), or turns the current order round. */
    private static Column sortable(Messages m, Map<String, List<String>> parameters, String sort, String key, String field, String first) {
        String now = sort.startsWith(field + ":") ? sort.substring(field.length() + 1) : null;
        String next = field + ":" + (now == null ? first : now.equals("asc") ? "desc" : "asc");
        Map<String, List<String>> p = with(with(parameters, "cursor", null), "sort", next);
        String aria = now == null ? "none" : now.equals("asc") ? "ascending" : "descending";
        return new Column(m.lookup(key), Optional.of(href(p)), aria);
    }

    private static Map<String, List<String>> with(Map<String, List<String>> parameters, String name, String value) {
        Map<String, List<String>> p = new LinkedHashMap<>(parameters);
        if (value == null) {
            p.remove(name);
        } else {
            p.put(name, List.of(value));
        }
        return p;
    }

    static String href(Map<String, List<String>> parameters) {
        StringBuilder b = new StringBuilder("/search");
        char sep = '?';
        for (Map.Entry<String, List<String>> e : parameters.entrySet()) {
            for (String v : e.getValue()) {
                b.append(sep).append(encode(e.getKey())).append('=').append(encode(v));
                sep = '&';
            }
        }
        return b.toString();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Optional<String> first(Map<String, List<String>> parameters, String name) {
        List<String> v = parameters.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
}
