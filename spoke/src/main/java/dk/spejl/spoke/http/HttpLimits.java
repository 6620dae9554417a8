package dk.spejl.spoke.http;

import java.time.Duration;

/**
 * What the spoke's HTTP side takes from a client: a connection that sends nothing for
 * {@code idleTimeout} is closed, and at most {@code maxConnections} are open at once; a request
 * line, headers or body over their sizes is refused. Each refusal is counted.
 */
public record HttpLimits(Duration idleTimeout, int maxConnections, int maxRequestLineBytes, int maxHeaderBytes, int maxBodyBytes) {
    public static final HttpLimits DEFAULT = new HttpLimits(Duration.ofSeconds(60), 256, 4096, 8192, 64 * 1024);

    public HttpLimits {
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the idle timeout must be positive, got " + idleTimeout);
        }
        if (maxConnections < 1 || maxRequestLineBytes < 64 || maxHeaderBytes < 256 || maxBodyBytes < 0) {
            throw new IllegalArgumentException("HTTP limits out of range: " + maxConnections + " connections, " + maxRequestLineBytes
                    + " B request line, " + maxHeaderBytes + " B headers, " + maxBodyBytes + " B body");
        }
    }

    public HttpLimits withConnections(Duration idle, int connections) {
        return new HttpLimits(idle, connections, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes);
    }
}
