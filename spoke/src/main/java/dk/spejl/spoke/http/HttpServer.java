package dk.spejl.spoke.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The spoke's HTTP server (Netty). It turns each request into an {@link HttpRequest}, asks the
 * {@link Routes} for the answer, writes it, and times it by route. What to answer is never decided here.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private final EventLoopGroup group;
    /**
     * Handlers run here, not on the two I/O threads: a search that counts the whole catalogue must not hold up
     * a record look-up, a health check or another connection's bytes. Each connection keeps to one thread, so
     * its requests are answered in order.
     */
    private final io.netty.util.concurrent.EventExecutorGroup workers =
            new io.netty.util.concurrent.DefaultEventExecutorGroup(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    private final Channel channel;
    private final AtomicInteger open = new AtomicInteger();
    private final MeterRegistry metrics;

    public HttpServer(InetSocketAddress address, Routes routes, MeterRegistry metrics) throws InterruptedException {
        this(address, routes, metrics, HttpLimits.DEFAULT);
    }

    public HttpServer(InetSocketAddress address, Routes routes, MeterRegistry metrics, HttpLimits limits) throws InterruptedException {
        this(address, routes, metrics, limits, null, false);
    }

    /**
     * @param tls               when not null, the port speaks only HTTPS
     * @param behindTlsProxy    the port is reached only through a TLS-terminating proxy
     * Either way requests are marked secure: cookies get {@code Secure}, and answers {@code Strict-Transport-Security}.
     */
    public HttpServer(InetSocketAddress address, Routes routes, MeterRegistry metrics, HttpLimits limits, io.netty.handler.ssl.SslContext tls,
                      boolean behindTlsProxy) throws InterruptedException {
        this.metrics = metrics;
        boolean secure = tls != null || behindTlsProxy;
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Timer.Builder latency = Timer.builder("spejl_spoke_http_seconds").description("HTTP request latency").publishPercentiles(0.5, 0.99);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > limits.maxConnections()) {
                            open.decrementAndGet();
                            refused("too_many_connections");
                            ch.pipeline().addLast(new HttpResponseEncoder());
                            ch.writeAndFlush(plain(HttpResponse.error(503, "too many connections; try again shortly")))
                                    .addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        ch.closeFuture().addListener(closed -> open.decrementAndGet());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                new HttpServerCodec(limits.maxRequestLineBytes(), limits.maxHeaderBytes(), 8192),
                                new HttpObjectAggregator(limits.maxBodyBytes()));
                        ch.pipeline().addLast(workers, new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        if (request.decoderResult().isFailure()) {
                                            refuseUndecoded(ctx, request.decoderResult().cause());
                                            return;
                                        }
                                        long started = System.nanoTime();
                                        Routes.Answer answer = answer(routes, request, new QueryStringDecoder(request.uri()),
                                                (InetSocketAddress) ctx.channel().remoteAddress(), secure);
                                        write(ctx, request, secure ? answer.response().withHeader("Strict-Transport-Security", "max-age=31536000")
                                                : answer.response());
                                        latency.tag("route", answer.route()).tag("status", Integer.toString(answer.response().status()))
                                                .register(metrics).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                                    }

                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                                        if (event instanceof IdleStateEvent) {
                                            refused("idle_timeout");
                                            ctx.close();
                                        } else {
                                            super.userEventTriggered(ctx, event);
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        log.debug("HTTP connection failed: {}", cause.toString());
                                        ctx.close();
                                    }
                                });
                    }
                });
        this.channel = bootstrap.bind(address).sync().channel();
    }

    /** A request Netty could not read (a bad request line, a line or headers too long): answered in JSON, then closed. */
    private void refuseUndecoded(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponse response;
        if (cause instanceof TooLongHttpHeaderException) {
            refused("headers_too_large");
            response = HttpResponse.error(431, "the request's headers are too large");
        } else if (cause instanceof TooLongHttpLineException) {
            refused("request_line_too_long");
            response = HttpResponse.error(414, "the request line is too long");
        } else {
            refused("bad_request");
            response = HttpResponse.error(400, "not an HTTP request this server can read");
        }
        ctx.writeAndFlush(plain(response)).addListener(ChannelFutureListener.CLOSE);
    }

    private void refused(String reason) {
        Counter.builder("spejl_spoke_http_refused_total").description("HTTP connections and requests refused before any route saw them")
                .tag("reason", reason).register(metrics).increment();
    }

    /** A response for a connection about to close: no keep-alive. */
    private static FullHttpResponse plain(HttpResponse response) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body().getBytes(StandardCharsets.UTF_8))); // the JDK's encoder is the fast one
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        http.headers().set(HttpHeaderNames.CONNECTION, "close");
        HttpUtil.setContentLength(http, http.content().readableBytes());
        return http;
    }

    /** The route's answer; 400 for a request whose path or query does not decode, 500 for a handler that throws. */
    private static Routes.Answer answer(Routes routes, FullHttpRequest request, QueryStringDecoder uri, InetSocketAddress remote,
                                        boolean secure) {
        HttpRequest parsed;
        try {
            parsed = request(request, uri, remote, secure);
        } catch (IllegalArgumentException e) {
            return new Routes.Answer("malformed", HttpResponse.error(400, "the request's path or query is not well encoded"));
        }
        try {
            return routes.answer(parsed, uri.rawPath());
        } catch (RuntimeException e) {
            log.warn("HTTP {} {} failed: {}", parsed.method(), parsed.path(), e.toString());
            return new Routes.Answer("failed", HttpResponse.error(500, "the spoke could not answer this request"));
        }
    }

    /** @throws IllegalArgumentException when the path or the query is not well percent-encoded */
    private static HttpRequest request(FullHttpRequest request, QueryStringDecoder uri, InetSocketAddress remote, boolean secure) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(header.getValue());
        }
        return new HttpRequest(request.method().name(), uri.path(), uri.parameters(), headers, Map.of(), Optional.empty(),
                request.content().toString(StandardCharsets.UTF_8), remote, secure);
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponse response) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body().getBytes(StandardCharsets.UTF_8))); // the JDK's encoder is the fast one
        // What every answer gets, unless its handler says more (a page's own Content-Security-Policy).
        http.headers().set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        http.headers().set("X-Content-Type-Options", "nosniff");
        http.headers().set("Referrer-Policy", "no-referrer");
        response.headers().forEach((name, value) -> http.headers().set(name, value));
        response.cookies().forEach(cookie -> http.headers().add(HttpHeaderNames.SET_COOKIE, cookie));
        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        if (!http.headers().contains(HttpHeaderNames.CACHE_CONTROL)) {
            http.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store"); // nothing a spoke answers is cached, but its static files
        }
        HttpUtil.setContentLength(http, http.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(http, keepAlive);
        var written = ctx.writeAndFlush(http);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
