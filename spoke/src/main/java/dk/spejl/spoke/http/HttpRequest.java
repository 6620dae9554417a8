package dk.spejl.spoke.http;

import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as a handler sees it: the method, the decoded path, the query parameters, the
 * headers (names in lower case), the parameters its route took from the path, and the user the
 * spoke authenticated, once there is one.
 */
public record HttpRequest(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers,
                          Map<String, String> pathParameters, Optional<Principal> user) {
    public HttpRequest {
        query = Map.copyOf(query);
        headers = Map.copyOf(headers);
        pathParameters = Map.copyOf(pathParameters);
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

    /** A parameter the route took from the path, e.g. {@code id} of {@code /api/v1/records/{id}}. */
    public String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the route has no path parameter '" + name + "'");
        }
        return value;
    }

    HttpRequest withPathParameters(Map<String, String> parameters) {
        return new HttpRequest(method, path, query, headers, parameters, user);
    }
}
