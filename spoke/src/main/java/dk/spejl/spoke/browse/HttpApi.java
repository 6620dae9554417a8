package dk.spejl.spoke.browse;

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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The spoke's HTTP server (Netty). It only routes and writes responses; what to answer comes
 * from {@link BrowseHandler}.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private final EventLoopGroup group;
    private final Channel channel;

    public HttpApi(InetSocketAddress address, BrowseHandler handler, MeterRegistry metrics) throws InterruptedException {
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Timer.Builder latency = Timer.builder("spejl_spoke_http_seconds").description("HTTP request latency").publishPercentiles(0.5, 0.99);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        long started = System.nanoTime();
                                        BrowseHandler.Response response = request.method().equals(HttpMethod.GET)
                                                ? handler.handle(new QueryStringDecoder(request.uri()).path())
                                                : BrowseHandler.Response.error(405, "only GET is served here");
                                        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.valueOf(response.status()),
                                                Unpooled.copiedBuffer(response.body(), StandardCharsets.UTF_8));
                                        http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
                                        http.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                                        HttpUtil.setContentLength(http, http.content().readableBytes());
                                        boolean keepAlive = HttpUtil.isKeepAlive(request);
                                        HttpUtil.setKeepAlive(http, keepAlive);
                                        var written = ctx.writeAndFlush(http);
                                        if (!keepAlive) {
                                            written.addListener(ChannelFutureListener.CLOSE);
                                        }
                                        latency.tag("route", response.route()).tag("status", Integer.toString(response.status()))
                                                .register(metrics).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
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

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
