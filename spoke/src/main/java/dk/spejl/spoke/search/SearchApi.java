package dk.spejl.spoke.search;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.naming.Identifiers;
import dk.spejl.spoke.browse.BrowseApi;
import dk.spejl.spoke.browse.BrowseLog;
import dk.spejl.spoke.browse.RecordJson;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.wire.Record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The search API, through the route table: {@code GET /api/v1/records} (faceted search),
 * {@code /api/v1/records/{id}} (a record with its lineage), {@code /api/v1/subjects/{pseudonym}}
 * (patient → samples → files) and {@code /api/v1/counts} (Beacon-style discovery counts). Handlers
 * parse, ask {@link Search}, and write JSON; every answer names the revision it was read at, and
 * whether that is stale.
 */
public final class SearchApi {
    private static final Pattern PSEUDONYM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{3,63}");

    /** What {@code /api/v1/counts} may say: whether anything matches, or how much, and below which count only "fewer than". */
    public record CountPolicy(Granularity granularity, int minimumCell) {
        public static final CountPolicy DEFAULT = new CountPolicy(Granularity.COUNT, 5);
    }

    public enum Granularity { BOOLEAN, COUNT }

    private final Search search;
    private final Replica replica;
    private final BrowseApi.Staleness staleness;
    private final CountPolicy counts;
    private final BrowseLog browseLog;

    public SearchApi(Search search, Replica replica, BrowseApi.Staleness staleness, CountPolicy counts, BrowseLog browseLog) {
        this.search = search;
        this.replica = replica;
        this.staleness = staleness;
        this.counts = counts;
        this.browseLog = browseLog;
    }

    private HttpResponse logged(HttpRequest request, String action, java.util.function.Function<BrowseLog.Seen, HttpResponse> handler) {
        return browseLog.answer(request, action, handler, HttpResponse::error);
    }

    /** Adds this API's routes; {@code /api/v1/records/{id}} replaces the browse API's. */
    public Routes register(Routes routes) {
        return routes.get("/api/v1/records", "search", this::records)
                .get("/api/v1/subjects/{pseudonym}", "subject", this::subject)
                .get("/api/v1/counts", "counts", this::counts);
    }

    HttpResponse records(HttpRequest request) {
        return logged(request, "search", seen -> records(request, seen));
    }

    private HttpResponse records(HttpRequest request, BrowseLog.Seen seen) {
        try {
            Search.Page page = search.records(SearchQuery.parse(request.query()));
            seen.hits = page.total();
            seen.shown = page.hits().stream().map(Record::getId).toList();
            seen.revision = page.revision();
            return stamped(HttpResponse.json(200, body(page)), page.revision());
        } catch (SearchQuery.BadQuery e) {
            return bad(e);
        } catch (Search.NotReady e) {
            return notReady(e);
        } catch (Search.Gone e) {
            return HttpResponse.error(410, e.getMessage());
        }
    }

    private static final com.fasterxml.jackson.core.JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactory();

    /** A search's answer, streamed: the revision, staleness, total, hits, facets and the next cursor. */
    private String body(Search.Page page) {
        // Jackson's own writer for strings: segments from its recycled buffers, no lock per write as StringWriter's has.
        com.fasterxml.jackson.core.io.SegmentedStringWriter out = new com.fasterxml.jackson.core.io.SegmentedStringWriter(FACTORY._getBufferRecycler());
        try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("revision", page.revision());
            Optional<java.time.Instant> staleSince = staleness.staleSince();
            g.writeBooleanField("stale", staleSince.isPresent());
            if (staleSince.isPresent()) {
                g.writeStringField("staleSince", staleSince.get().toString());
            }
            g.writeObjectFieldStart("total");
            g.writeNumberField("value", page.total());
            g.writeStringField("relation", page.totalExact() ? "eq" : "gte");
            g.writeEndObject();
            g.writeArrayFieldStart("hits");
            for (Record r : page.hits()) {
                RecordJson.write(r, g);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("facets");
            for (Map.Entry<String, List<Search.FacetValue>> f : page.facets().entrySet()) {
                g.writeArrayFieldStart(f.getKey());
                for (Search.FacetValue v : f.getValue()) {
                    g.writeStartObject();
                    g.writeStringField("value", v.value());
                    g.writeNumberField("count", v.count());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            if (page.next().isPresent()) {
                g.writeStringField("next", page.next().get());
            } else {
                g.writeNullField("next");
            }
            g.writeEndObject();
            g.flush();
            return out.getAndClear();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse subject(HttpRequest request) {
        return logged(request, "subject", seen -> subject(request, seen));
    }

    private HttpResponse subject(HttpRequest request, BrowseLog.Seen seen) {
        String pseudonym = request.pathParameter("pseudonym");
        if (!PSEUDONYM.matcher(pseudonym).matches()) {
            return HttpResponse.error(400, "pseudonym: not a subject pseudonym (4-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
        }
        if (!request.query().isEmpty()) {
            return HttpResponse.error(400, new TreeMap<>(request.query()).firstKey() + ": unknown parameter; this endpoint takes none");
        }
        try {
            Search.Subject subject = search.subject(pseudonym);
            seen.hits = subject.records().size();
            seen.shown = subject.records().stream().map(Record::getId).toList();
            seen.revision = subject.revision();
            if (subject.records().isEmpty()) {
                return stamped(HttpResponse.error(404, "no records of subject " + pseudonym + " at revision " + subject.revision()),
                        subject.revision());
            }
            ObjectNode body = HttpResponse.object();
            body.put("revision", subject.revision());
            freshness(body);
            body.put("subject_pseudonym", pseudonym);
            // patient → samples → files by role, in id order
            Map<String, Map<String, List<Record>>> samples = new TreeMap<>();
            Map<String, String> kinds = new LinkedHashMap<>();
            for (Record r : subject.records()) {
                samples.computeIfAbsent(r.getSamplePseudonym(), s -> new TreeMap<>())
                        .computeIfAbsent(r.getFileRole(), role -> new java.util.ArrayList<>()).add(r);
                kinds.putIfAbsent(r.getSamplePseudonym(), RecordJson.spell(r.getSampleKind().getValueDescriptor()));
            }
            ArrayNode sampleList = body.putArray("samples");
            samples.forEach((sample, roles) -> {
                ObjectNode s = sampleList.addObject();
                s.put("sample_pseudonym", sample).put("sample_kind", kinds.get(sample));
                ObjectNode files = s.putObject("files");
                roles.forEach((role, records) -> {
                    ArrayNode list = files.putArray(role);
                    records.forEach(r -> list.add(RecordJson.of(r)));
                });
            });
            ArrayNode links = body.putArray("links");
            for (Record r : subject.records()) {
                for (String parent : r.getDerivedFromList()) {
                    links.addObject().put("from", parent).put("to", r.getId());
                }
            }
            return stamped(HttpResponse.json(200, body), subject.revision());
        } catch (Search.NotReady e) {
            return notReady(e);
        }
    }

    /** {@code GET /api/v1/records/{id}}: the record, spelt as ingest takes it, with {@code derivatives} added. */
    public HttpResponse record(HttpRequest request) {
        return logged(request, "record", seen -> record(request, seen));
    }

    private HttpResponse record(HttpRequest request, BrowseLog.Seen seen) {
        String id = request.pathParameter("id");
        if (!Identifiers.isRecordId(id)) {
            return HttpResponse.error(400, "id: not a record id (" + Identifiers.RECORD_ID_RULE + ")");
        }
        if (!request.query().isEmpty()) {
            return HttpResponse.error(400, new TreeMap<>(request.query()).firstKey() + ": unknown parameter; this endpoint takes none");
        }
        try {
            Optional<Search.Lineage> found = search.record(id, replica);
            if (found.isEmpty()) {
                return stamped(HttpResponse.error(404, "no record " + id + ": this spoke holds no revision yet"), -1);
            }
            Search.Lineage lineage = found.get();
            seen.revision = lineage.revision();
            seen.hits = lineage.record().isPresent() ? 1 : 0;
            if (lineage.record().isPresent()) {
                // The record, and the ids of the records its lineage names: all of them are shown.
                List<String> shown = new java.util.ArrayList<>(List.of(id));
                shown.addAll(lineage.record().get().getDerivedFromList());
                lineage.derivatives().ifPresent(shown::addAll);
                seen.shown = shown;
            }
            if (lineage.record().isEmpty()) {
                return stamped(HttpResponse.error(404, "no record " + id + " at revision " + lineage.revision()), lineage.revision());
            }
            ObjectNode body = RecordJson.of(lineage.record().get());
            if (!body.has("derived_from")) {
                body.putArray("derived_from");
            }
            if (lineage.derivatives().isPresent()) {
                ArrayNode derivatives = body.putArray("derivatives");
                lineage.derivatives().get().forEach(derivatives::add);
            } else {
                body.putNull("derivatives"); // the index is being built; the record itself never waits for it
            }
            return stamped(HttpResponse.json(200, body), lineage.revision());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse counts(HttpRequest request) {
        return logged(request, "counts", seen -> counts(request, seen));
    }

    private HttpResponse counts(HttpRequest request, BrowseLog.Seen seen) {
        Map<String, List<String>> parameters = new LinkedHashMap<>(request.query());
        List<String> asked = parameters.remove("granularity");
        Granularity granularity = counts.granularity();
        if (asked != null) {
            if (asked.size() != 1 || !(asked.get(0).equals("boolean") || asked.get(0).equals("count"))) {
                return HttpResponse.error(400, "granularity: expected boolean or count");
            }
            if (asked.get(0).equals("boolean")) {
                granularity = Granularity.BOOLEAN; // never more than the spoke's setting allows
            }
        }
        try {
            Search.Counts c = search.counts(SearchQuery.parse(parameters, false));
            seen.hits = c.records();
            seen.revision = c.revision();
            ObjectNode body = HttpResponse.object();
            body.put("revision", c.revision());
            freshness(body);
            body.put("granularity", granularity == Granularity.BOOLEAN ? "boolean" : "count");
            body.put("exists", c.records() > 0);
            if (granularity == Granularity.COUNT) {
                cell(body, "records", c.records());
                cell(body, "samples", c.samples());
                cell(body, "subjects", c.subjects());
            }
            return stamped(HttpResponse.json(200, body), c.revision());
        } catch (SearchQuery.BadQuery e) {
            return bad(e);
        } catch (Search.NotReady e) {
            return notReady(e);
        }
    }

    /** A count, or, below the minimum cell size, only that it is fewer than that (and more than none). */
    private void cell(ObjectNode body, String name, long count) {
        ObjectNode cell = body.putObject(name);
        if (count > 0 && count < counts.minimumCell()) {
            cell.put("fewerThan", counts.minimumCell());
        } else {
            cell.put("count", count);
        }
    }

    private void freshness(ObjectNode body) {
        Optional<java.time.Instant> staleSince = staleness.staleSince();
        body.put("stale", staleSince.isPresent());
        staleSince.ifPresent(since -> body.put("staleSince", since.toString()));
    }

    private HttpResponse stamped(HttpResponse response, long revision) {
        Optional<java.time.Instant> staleSince = staleness.staleSince();
        HttpResponse out = response.withHeader(BrowseApi.REVISION_HEADER, revision < 0 ? "none" : Long.toString(revision))
                .withHeader(BrowseApi.STALE_HEADER, Boolean.toString(staleSince.isPresent()));
        return staleSince.map(since -> out.withHeader(BrowseApi.STALE_SINCE_HEADER, since.toString())).orElse(out);
    }

    private static HttpResponse bad(SearchQuery.BadQuery e) {
        return HttpResponse.json(400, HttpResponse.object().put("error", e.getMessage()).put("parameter", e.parameter()));
    }

    private HttpResponse notReady(Search.NotReady e) {
        SearchIndex.Progress p = e.progress();
        Optional<Throwable> failed = search.index().failure();
        ObjectNode body = HttpResponse.object().put("error", failed.isPresent()
                ? "the search index failed (" + failed.get().getMessage() + ") and is being rebuilt; record look-ups by id work meanwhile"
                : "the search index is being built; record look-ups by id work meanwhile");
        body.putObject("progress").put("indexed", p.done()).put("total", p.total());
        return HttpResponse.json(503, body).withHeader("Retry-After", "5");
    }
}
