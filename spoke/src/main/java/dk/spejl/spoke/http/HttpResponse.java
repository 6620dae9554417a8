package dk.spejl.spoke.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/** What a handler answers: a status, a content type, a body, and any headers beyond the ones every response gets. */
public record HttpResponse(int status, String contentType, String body, Map<String, String> headers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    /** A JSON body: a tree, a value Jackson can write, or a string that already holds JSON. */
    public static HttpResponse json(int status, Object body) {
        try {
            return new HttpResponse(status, "application/json", body instanceof String s ? s : JSON.writeValueAsString(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response body did not serialise", e);
        }
    }

    /** {@code {"error": message}}. */
    public static HttpResponse error(int status, String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    public static HttpResponse text(int status, String contentType, String body) {
        return new HttpResponse(status, contentType, body, Map.of());
    }

    /** A JSON object to fill in for {@link #json}. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new java.util.LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(status, contentType, body, more);
    }
}
