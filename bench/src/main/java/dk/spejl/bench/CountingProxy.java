package dk.spejl.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/** A loopback TCP relay that counts every byte in both directions: what a spoke really puts on the wire, TLS included. */
final class CountingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    final AtomicLong toSpoke = new AtomicLong();
    final AtomicLong toHub = new AtomicLong();

    CountingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    long total() {
        return toSpoke.get() + toHub.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pump(client.getInputStream(), upstream.getOutputStream(), toHub, client, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), toSpoke, client, upstream);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(InputStream in, OutputStream out, AtomicLong counter, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                    counter.addAndGet(n);
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    a.close();
                    b.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
