package dk.spejl.spoke.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a handler answers: a status, a content type, a body, any headers beyond the ones every response gets,
 * and the cookies to set (each its own {@code Set-Cookie}).
 */
public record HttpResponse(int status, String contentType, String body, Map<String, String> headers, List<String> cookies) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public HttpResponse {
        headers = Map.copyOf(headers);
        cookies = List.copyOf(cookies);
    }

    /** A JSON body: a tree, a value Jackson can write, or a string that already holds JSON. */
    public static HttpResponse json(int status, Object body) {
        try {
            return new HttpResponse(status, "application/json", body instanceof String s ? s : JSON.writeValueAsString(body), Map.of(), List.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response body did not serialise", e);
        }
    }

    /** {@code {"error": message}}. */
    public static HttpResponse error(int status, String message) {
        return json(status, JSON.createObjectNode().put("error", message));
    }

    public static HttpResponse text(int status, String contentType, String body) {
        return new HttpResponse(status, contentType, body, Map.of(), List.of());
    }

    /** 303 See Other: where a browser goes next after a form, or for a page it must sign in to see. */
    public static HttpResponse redirect(String location) {
        return text(303, "text/plain; charset=utf-8", "").withHeader("Location", location);
    }

    /** A JSON object to fill in for {@link #json}. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(status, contentType, body, more, cookies);
    }

    /** Adds a {@code Set-Cookie} header, spelt whole ({@code name=value; HttpOnly; ...}). */
    public HttpResponse withCookie(String setCookie) {
        List<String> more = new ArrayList<>(cookies);
        more.add(setCookie);
        return new HttpResponse(status, contentType, body, headers, more);
    }
}
