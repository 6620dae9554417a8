package dk.spejl.spoke.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The spoke's route table: a method and a path pattern ({@code /api/v1/records/{id}}) to a handler.
 * Each feature adds its routes here; the server only asks it. Patterns are matched segment by
 * segment on the raw path and each segment is decoded after, so an encoded slash in an id stays in
 * the id instead of making a new segment.
 */
public final class Routes {
    /**
     * Answers one route. Handlers stay thin: parse, delegate, map errors to status codes. Path
     * parameters arrive decoded and may hold any character, {@code /} and {@code ..} included: a
     * handler checks each against the rule for what it names before using it.
     */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request);
    }

    /** {@code open}: answered without a known caller (health, readiness, status, metrics, the login page itself). */
    private record Route(String method, String name, List<String> segments, Handler handler, boolean open) {
    }

    /** A route chosen for a request: its name (for metrics and logs) and the handler's answer. */
    public record Answer(String route, HttpResponse response) {
    }

    private final List<Route> routes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Gate gate = Gate.OPEN;

    /** Who may pass: asked for every request's caller before its handler runs. */
    public Routes gate(Gate gate) {
        this.gate = gate;
        return this;
    }

    /** A route for a known caller only. */
    public Routes get(String pattern, String name, Handler handler) {
        return add("GET", pattern, name, handler, false);
    }

    public Routes post(String pattern, String name, Handler handler) {
        return add("POST", pattern, name, handler, false);
    }

    /** A route that answers anyone: it must say nothing about patients. */
    public Routes openGet(String pattern, String name, Handler handler) {
        return add("GET", pattern, name, handler, true);
    }

    public Routes openPost(String pattern, String name, Handler handler) {
        return add("POST", pattern, name, handler, true);
    }

    public synchronized Routes add(String method, String pattern, String name, Handler handler, boolean open) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a route pattern starts with /: " + pattern);
        }
        List<String> segments = split(pattern);
        for (Route route : routes) {
            if (route.method().equals(method) && shape(route.segments()).equals(shape(segments))) {
                throw new IllegalArgumentException(method + " " + pattern + " is routed twice");
            }
        }
        routes.add(new Route(method, name, segments, handler, open));
        return this;
    }

    /**
     * Answers a request whose path is {@code rawPath} (still percent-encoded, without the query):
     * the matching route's handler, or 404 when no route has the path, 405 when none has it for this method.
     */
    public Answer answer(HttpRequest request, String rawPath) {
        if (!rawPath.startsWith("/")) {
            return new Answer("unmatched", HttpResponse.error(404, "no such route: " + request.path()));
        }
        List<String> raw = split(rawPath);
        List<String> segments = new ArrayList<>(raw.size());
        try {
            for (String segment : raw) {
                segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        } catch (IllegalArgumentException e) {
            return new Answer("malformed", HttpResponse.error(400, "the path is not well encoded"));
        }
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Optional<Map<String, String>> parameters = match(route.segments(), segments);
            if (parameters.isEmpty()) {
                continue;
            }
            if (!route.method().equals(request.method())) {
                allowed.add(route.method());
                continue;
            }
            Gate.Identity identity = gate.identify(request);
            if (identity.refusal().isPresent()) {
                return new Answer("refused", identity.refusal().get());
            }
            HttpRequest admitted = request.withUser(identity.caller()).withPathParameters(parameters.get());
            if (!route.open() && identity.caller().isEmpty()) {
                return new Answer("unauthenticated", gate.challenge(admitted));
            }
            return new Answer(route.name(), route.handler().handle(admitted));
        }
        if (!allowed.isEmpty()) {
            return new Answer("method_not_allowed", HttpResponse.error(405, request.method() + " is not served at " + request.path()
                    + "; use " + String.join(" or ", allowed)).withHeader("Allow", String.join(", ", allowed)));
        }
        return new Answer("unmatched", HttpResponse.error(404, "no such route: " + request.path()));
    }

    private static Optional<Map<String, String>> match(List<String> pattern, List<String> segments) {
        if (pattern.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (p.startsWith("{") && p.endsWith("}")) {
                if (segments.get(i).isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(p.substring(1, p.length() - 1), segments.get(i));
            } else if (!p.equals(segments.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(parameters);
    }

    /** A pattern with its parameters' names left out: two patterns of one shape match the same paths. */
    private static List<String> shape(List<String> pattern) {
        return pattern.stream().map(p -> p.startsWith("{") && p.endsWith("}") ? "{}" : p).toList();
    }

    private static List<String> split(String path) {
        List<String> segments = new ArrayList<>();
        for (String segment : path.substring(1).split("/", -1)) {
            segments.add(segment);
        }
        return segments;
    }
}
