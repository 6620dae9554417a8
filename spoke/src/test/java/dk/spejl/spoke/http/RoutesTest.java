package dk.spejl.spoke.http;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The route table on its own: matching, path parameters, and the answers when nothing matches. */
class RoutesTest {
    private final Routes routes = new Routes()
            .get("/api/v1/status", "status", request -> HttpResponse.text(200, "text/plain", "status"))
            .get("/api/v1/records/{id}", "record", request -> HttpResponse.text(200, "text/plain", "record " + request.pathParameter("id")))
            .post("/api/v1/records/{id}/requests", "request", request -> HttpResponse.text(201, "text/plain",
                    "requested " + request.pathParameter("id") + " for " + request.query("purpose").orElse("?")));

    private static HttpRequest request(String method, String path, Map<String, List<String>> query) {
        return HttpRequest.of(method, path, query, Map.of());
    }

    private Routes.Answer answer(String method, String rawPath) {
        return routes.answer(request(method, rawPath, Map.of()), rawPath);
    }

    @Test
    void aRouteGetsItsPathParameterDecodedAndItsQuery() {
        assertThat(answer("GET", "/api/v1/status").response().body()).isEqualTo("status");
        Routes.Answer record = answer("GET", "/api/v1/records/ngc%3Af-1");
        assertThat(record.route()).isEqualTo("record");
        assertThat(record.response().body()).isEqualTo("record ngc:f-1");
        Routes.Answer posted = routes.answer(request("POST", "/api/v1/records/x1/requests", Map.of("purpose", List.of("treatment"))),
                "/api/v1/records/x1/requests");
        assertThat(posted.response().status()).isEqualTo(201);
        assertThat(posted.response().body()).isEqualTo("requested x1 for treatment");
    }

    @Test
    void anEncodedSlashStaysInsideItsSegment() {
        Routes.Answer answer = answer("GET", "/api/v1/records/..%2F..%2Fetc");
        assertThat(answer.route()).isEqualTo("record");
        assertThat(answer.response().body()).isEqualTo("record ../../etc");
        assertThat(answer("GET", "/api/v1/records/a+b").response().body()).as("a plus in a path is a plus").isEqualTo("record a+b");
    }

    @Test
    void anUnknownPathIs404AndAKnownPathWithAnotherMethodIs405WithAllow() {
        Routes.Answer unknown = answer("GET", "/api/v1/nothing");
        assertThat(unknown.route()).isEqualTo("unmatched");
        assertThat(unknown.response().status()).isEqualTo(404);
        assertThat(answer("GET", "/api/v1/records/").response().status()).as("an empty id is no id").isEqualTo(404);
        assertThat(answer("GET", "/api/v1/records/a/b").response().status()).isEqualTo(404);
        Routes.Answer wrong = answer("DELETE", "/api/v1/records/x1");
        assertThat(wrong.response().status()).isEqualTo(405);
        assertThat(wrong.response().headers()).containsEntry("Allow", "GET");
        assertThat(wrong.response().body()).contains("DELETE is not served at /api/v1/records/x1; use GET");
        assertThat(answer("GET", "*").response().status()).isEqualTo(404);
    }

    @Test
    void aBadlyEncodedPathIs400() {
        Routes.Answer answer = answer("GET", "/api/v1/records/%zz");
        assertThat(answer.response().status()).isEqualTo(400);
        assertThat(answer.response().body()).contains("\"error\"");
    }

    @Test
    void aRouteCannotBeAddedTwice() {
        assertThatThrownBy(() -> routes.get("/api/v1/records/{other}", "again", request -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("routed twice");
        assertThatThrownBy(() -> routes.get("api/v1", "relative", request -> null)).isInstanceOf(IllegalArgumentException.class);
    }
}
