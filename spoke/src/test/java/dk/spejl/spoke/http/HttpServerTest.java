package dk.spejl.spoke.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The spoke's HTTP server against clients that misbehave, over real loopback sockets. */
class HttpServerTest {
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final Routes routes = new Routes().get("/ping", "ping", request -> HttpResponse.text(200, "text/plain", "pong"));

    private HttpServer server(HttpLimits limits) throws InterruptedException {
        return new HttpServer(new InetSocketAddress("127.0.0.1", 0), routes, metrics, limits);
    }

    private static Socket connect(HttpServer server) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.address().getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends raw bytes and returns the whole answer, up to the server closing the connection. */
    private static String exchange(HttpServer server, String raw) throws IOException {
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** One keep-alive request on an open socket; returns the status line. */
    private static String ping(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        String status = in.readLine();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            // headers
        }
        in.read(new char[4]); // "pong"
        return status;
    }

    private double refused(String reason) {
        var counter = metrics.find("spejl_spoke_http_refused_total").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aRequestItCannotReadGetsAJsonErrorAndTheConnectionCloses() throws Exception {
        try (HttpServer server = server(HttpLimits.DEFAULT)) {
            String garbage = exchange(server, "GARBAGE\r\n\r\n");
            assertThat(garbage).startsWith("HTTP/1.1 400").contains("application/json", "{\"error\":");
            String headers = exchange(server, "GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
            assertThat(headers).startsWith("HTTP/1.1 431").contains("{\"error\":\"the request's headers are too large\"}");
            String line = exchange(server, "GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(line).startsWith("HTTP/1.1 414").contains("{\"error\":");
            String encoding = exchange(server, "GET /api/v1/records/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(encoding).startsWith("HTTP/1.1 400").contains("{\"error\":");
            assertThat(refused("bad_request")).isEqualTo(1);
            assertThat(refused("headers_too_large")).isEqualTo(1);
            assertThat(refused("request_line_too_long")).isEqualTo(1);
            assertThat(exchange(server, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("pong");
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (HttpServer server = server(HttpLimits.DEFAULT.withConnections(Duration.ofMillis(300), 10)); Socket idle = connect(server)) {
            try {
                assertThat(idle.getInputStream().read()).as("closed by the server, with nothing sent").isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the idle connection was still open after 10 s", e);
            }
            assertThat(refused("idle_timeout")).isEqualTo(1);
        }
    }

    @Test
    void connectionsBeyondTheCapAreRefusedWithA503AndFreedOnesCanBeUsedAgain() throws Exception {
        try (HttpServer server = server(HttpLimits.DEFAULT.withConnections(Duration.ofSeconds(30), 2));
             Socket first = connect(server); Socket second = connect(server)) {
            assertThat(ping(first)).startsWith("HTTP/1.1 200");
            assertThat(ping(second)).startsWith("HTTP/1.1 200");
            assertThat(exchange(server, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503").contains("too many connections");
            assertThat(refused("too_many_connections")).isEqualTo(1);
            first.close();
            String again = "";
            for (int attempt = 0; attempt < 100 && !again.startsWith("HTTP/1.1 200"); attempt++) {
                again = exchange(server, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                if (!again.startsWith("HTTP/1.1 200")) {
                    Thread.sleep(20); // the server notices the closed connection on its own event loop
                }
            }
            assertThat(again).as("a freed connection slot is used again").startsWith("HTTP/1.1 200");
        }
    }
}
