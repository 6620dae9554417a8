package dk.spejl.spoke.http;

import dk.spejl.spoke.auth.Caller;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as a handler sees it: the method, the decoded path, the query parameters, the
 * headers (names in lower case), the parameters its route took from the path, the caller the
 * {@link Gate} established, the body (a form's fields), the peer's address, and whether it came over TLS.
 */
public record HttpRequest(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers,
                          Map<String, String> pathParameters, Optional<Caller> user, String body, InetSocketAddress remote,
                          boolean secure) {
    private static final InetSocketAddress NOWHERE = new InetSocketAddress("127.0.0.1", 0);

    public HttpRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
        pathParameters = Map.copyOf(pathParameters);
    }

    /** A request with no body, from loopback, as a test builds one. */
    public static HttpRequest of(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers) {
        return new HttpRequest(method, path, query, headers, Map.of(), Optional.empty(), "", NOWHERE, false);
    }

    /** The first value of a query parameter. */
    public Optional<String> query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every value of a repeatable query parameter, in order. */
    public List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** How many times a header came (a proxy that adds a header rather than replacing it leaves the client's copy too). */
    public int headerCount(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()).size();
    }

    /** A cookie's value; a header that does not parse holds no cookies. */
    public Optional<String> cookie(String name) {
        for (String header : headers.getOrDefault("cookie", List.of())) {
            for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(header)) {
                if (c.name().equals(name)) {
                    return Optional.of(c.value());
                }
            }
        }
        return Optional.empty();
    }

    /** The fields of a form posted as {@code application/x-www-form-urlencoded}; none for any other body. */
    public Map<String, List<String>> form() {
        if (!header("content-type").map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")).orElse(false)) {
            return Map.of();
        }
        return new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters();
    }

    /** One field of a posted form. */
    public Optional<String> formField(String name) {
        List<String> values = form().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** A parameter the route took from the path, e.g. {@code id} of {@code /api/v1/records/{id}}. */
    public String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the route has no path parameter '" + name + "'");
        }
        return value;
    }

    HttpRequest withPathParameters(Map<String, String> parameters) {
        return new HttpRequest(method, path, query, headers, parameters, user, body, remote, secure);
    }

    public HttpRequest withUser(Optional<Caller> caller) {
        return new HttpRequest(method, path, query, headers, pathParameters, caller, body, remote, secure);
    }
}
