package dk.spejl.hub.cli;

import dk.spejl.config.ConfigFile;
import dk.spejl.hub.HubConfig;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Options for commands that talk to a running hub's admin service, and the channel to it. */
public final class AdminTarget {
    @Option(names = "--config", required = true, description = "The hub's config file (for the admin address and CA).")
    Path config;
    @Option(names = "--timeout", description = "Seconds a running hub may take to answer (default: 600 for ingest, 10 for the rest).")
    Long timeoutSeconds;
    /** A hub that does not accept the connection within this is reported as unreachable, whatever the timeout. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    /** The --timeout given, or the command's own default. */
    long seconds(long fallback) {
        return timeoutSeconds != null ? timeoutSeconds : fallback;
    }

    static AdminTarget of(Path config) {
        AdminTarget target = new AdminTarget();
        target.config = config;
        return target;
    }

    ManagedChannel channel() throws ConfigFile.ConfigException, IOException {
        HubConfig c = HubConfig.read(config);
        return NettyChannelBuilder.forAddress(host(c.adminAddress()), c.adminAddress().getPort())
                .sslContext(c.operator().clientContext())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .overrideAuthority("localhost").maxInboundMessageSize(16 << 20).build();
    }

    /** Where the admin service is, as the config file says, for messages. */
    String address() {
        try {
            InetSocketAddress a = HubConfig.read(config).adminAddress();
            return host(a) + ":" + a.getPort();
        } catch (ConfigFile.ConfigException e) {
            return "(the address in " + config + ")";
        }
    }

    private static String host(InetSocketAddress address) {
        String host = address.getHostString();
        return host.equals("0.0.0.0") ? "127.0.0.1" : host;
    }

    /**
     * A failed call as one line an operator can act on: a hub that cannot be reached names the
     * address and the likely cause, a hub that does not answer in time says so; anything else is
     * the status code and what the hub said.
     */
    String explain(Throwable t, long seconds) {
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            return "cannot reach the hub's admin service at " + address() + ": " + rootCause(s)
                    + "; is 'spejl-hub serve' running there?";
        }
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return "the hub's admin service at " + address() + " did not answer within " + seconds + " s (--timeout)";
        }
        return describe(t);
    }

    private static String rootCause(StatusRuntimeException e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause == e ? e.getStatus().getDescription() : cause.getMessage();
        if (message == null) {
            return cause.getClass().getSimpleName();
        }
        for (String known : new String[] {"Connection refused", "No route to host", "Connection timed out", "Network is unreachable"}) {
            if (message.contains(known)) {
                return known.toLowerCase(java.util.Locale.ROOT);
            }
        }
        int address = message.indexOf(": /");
        message = address > 0 ? message.substring(0, address) : message;
        return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    /** Asks the running hub named by {@code config} for its status. */
    public static HubStatus fetchStatus(Path config) throws ConfigFile.ConfigException, IOException {
        return of(config).status(STATUS_SECONDS);
    }

    static final long STATUS_SECONDS = 10;

    HubStatus status(long seconds) throws ConfigFile.ConfigException, IOException {
        return call(seconds, stub -> stub.status(StatusRequest.getDefaultInstance()));
    }

    /**
     * A command that is one call: prints what {@code report} makes of the answer and returns 0, or prints
     * {@code refused} and why (one line) and returns 2.
     */
    <T> int run(long seconds, java.util.function.Function<AdminGrpc.AdminBlockingStub, T> call, java.util.function.Function<T, String> report,
                String refused) throws ConfigFile.ConfigException, IOException {
        try {
            System.out.println(report.apply(call(seconds, call)));
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println(refused + explain(e, seconds));
            return 2;
        }
    }

    /** One unary call to the admin service within {@code seconds}, on a channel opened for it and closed after. */
    <T> T call(long seconds, java.util.function.Function<AdminGrpc.AdminBlockingStub, T> call) throws ConfigFile.ConfigException, IOException {
        ManagedChannel channel = channel();
        try {
            return call.apply(AdminGrpc.newBlockingStub(channel).withDeadlineAfter(seconds, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    /** A failed call as one line: the status code and what the hub said. */
    static String describe(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
        }
        return String.valueOf(t);
    }
}
