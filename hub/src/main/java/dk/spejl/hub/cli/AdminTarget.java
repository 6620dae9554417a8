package dk.spejl.hub.cli;

import dk.spejl.config.ConfigFile;
import dk.spejl.hub.HubConfig;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Options for commands that talk to a running hub's admin service, and the channel to it. */
public final class AdminTarget {
    @Option(names = "--config", required = true, description = "The hub's config file (for the admin address and CA).")
    Path config;
    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for the hub (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    static AdminTarget of(Path config) {
        AdminTarget target = new AdminTarget();
        target.config = config;
        return target;
    }

    ManagedChannel channel() throws ConfigFile.ConfigException, IOException {
        HubConfig c = HubConfig.read(config);
        String host = c.adminAddress().getHostString();
        return NettyChannelBuilder.forAddress(host.equals("0.0.0.0") ? "127.0.0.1" : host, c.adminAddress().getPort())
                .sslContext(c.operator().clientContext())
                .overrideAuthority("localhost").maxInboundMessageSize(16 << 20).build();
    }

    /** Asks the running hub named by {@code config} for its status. */
    public static HubStatus fetchStatus(Path config) throws ConfigFile.ConfigException, IOException {
        ManagedChannel channel = of(config).channel();
        try {
            return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
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
