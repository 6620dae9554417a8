package dk.spejl.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A load generator's HTTP/1.1 client: one keep-alive connection, one request at a time, the whole body read and
 * the status checked, and nothing else. The JDK's {@code HttpClient} costs the client side about as much CPU
 * per request as the spoke spends answering it, and on two shared cores that, not the spoke, set the rate.
 */
final class KeepAliveClient implements AutoCloseable {
    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private final String authorization;

    /** @param authorization the {@code Authorization} header every request sends */
    KeepAliveClient(String host, int port, String authorization) {
        this.host = host;
        this.port = port;
        this.authorization = authorization;
    }

    /** GETs {@code pathAndQuery}; returns the body, or fails unless the status is 200. */
    byte[] get(String pathAndQuery) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
        }
        out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAuthorization: " + authorization + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = line();
        long length = -1;
        boolean close = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        if (length < 0) {
            throw new IOException("no Content-Length in the answer to " + pathAndQuery);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            throw new IOException("the connection closed in the answer's body");
        }
        if (close) {
            close();
        }
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException(pathAndQuery + " -> " + status + " " + new String(body, StandardCharsets.UTF_8));
        }
        return body;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed in the answer's head");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
