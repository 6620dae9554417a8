package dk.spejl.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The mix in SQL, with the API's semantics: the first 50 hits in the default order, the exact total, and for every
 * filter field its value counts over the rows the other fields' filters select (one GROUP BY per filtered field,
 * and one with GROUPING SETS for the others).
 */
final class PgSearch {
    private static final List<String> FIELDS = List.of("owner_region", "owner_unit", "file_format", "file_role", "platform", "sample_kind",
            "library_strategy", "reference_genome", "status");
    private final Connection c;
    private final Map<String, PreparedStatement> prepared = new ConcurrentHashMap<>();

    PgSearch(Connection c) {
        this.c = c;
    }

    void run(SearchBench.Query q) throws Exception {
        Map<String, List<String>> p = q.map();
        String text = p.containsKey("q") ? p.get("q").get(0).toLowerCase(Locale.ROOT) : null;
        Map<String, List<String>> filters = new LinkedHashMap<>(p);
        filters.remove("q");
        String order = text != null ? "ORDER BY (lower(id) = ? OR lower(subject) = ? OR lower(sample) = ?) DESC, id" : "ORDER BY produced_on DESC NULLS LAST, id";
        Where all = where(text, filters, null);
        List<Object> hitArgs = new ArrayList<>(all.args);
        if (text != null) {
            hitArgs.addAll(List.of(text, text, text));
        }
        query("SELECT body FROM records" + all.sql + " " + order + " LIMIT 50", hitArgs);
        query("SELECT count(*) FROM records" + all.sql, all.args);
        List<String> unfiltered = FIELDS.stream().filter(f -> !filters.containsKey(f)).toList();
        if (!unfiltered.isEmpty()) {
            query("SELECT " + String.join(", ", unfiltered) + ", count(*) FROM records" + all.sql + " GROUP BY GROUPING SETS ("
                    + unfiltered.stream().map(f -> "(" + f + ")").collect(Collectors.joining(", ")) + ")", all.args);
        }
        query("SELECT u, count(*) FROM records, unnest(data_use) u" + all.sql + " GROUP BY u", all.args);
        for (String field : filters.keySet()) {
            Where others = where(text, filters, field);
            query("SELECT " + field + ", count(*) FROM records" + others.sql + " GROUP BY " + field, others.args);
        }
    }

    private record Where(String sql, List<Object> args) {
    }

    private static Where where(String text, Map<String, List<String>> filters, String leaveOut) {
        List<String> clauses = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        if (text != null) {
            clauses.add("(lower(id) = ? OR lower(subject) = ? OR lower(sample) = ? OR lower(id) LIKE ? OR lower(subject) LIKE ? "
                    + "OR lower(sample) LIKE ? OR words LIKE ?)");
            args.addAll(List.of(text, text, text, text + "%", text + "%", text + "%", "%" + text + "%"));
        }
        filters.forEach((field, values) -> {
            if (!field.equals(leaveOut)) {
                clauses.add(field + " = ANY (?)");
                args.add(values.toArray(new String[0]));
            }
        });
        return new Where(clauses.isEmpty() ? "" : " WHERE " + String.join(" AND ", clauses), args);
    }

    private void query(String sql, List<Object> args) throws Exception {
        PreparedStatement statement = prepared.computeIfAbsent(sql, s -> {
            try {
                return c.prepareStatement(s);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof String[] array) {
                statement.setArray(i + 1, c.createArrayOf("text", array));
            } else {
                statement.setObject(i + 1, a);
            }
        }
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                rs.getString(1);
            }
        }
    }
}
