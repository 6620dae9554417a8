package dk.spejl.spoke;

import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessRequestView;
import dk.spejl.wire.AccessUser;
import dk.spejl.wire.GetRequestRequest;
import dk.spejl.wire.ListRequestsRequest;
import dk.spejl.wire.UserRole;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code spejl-spoke requests}: the working-copy requests made from this spoke, as the hub holds them, asked for with
 * the spoke's own certificate in the admin role (docs/design.md, "The access model").
 */
@Command(name = "requests", mixinStandardHelpOptions = true,
        description = "Lists and shows the working-copy requests made from this spoke, as the hub holds them (the spoke's admin view).",
        subcommands = {RequestsCommand.ListRequests.class, RequestsCommand.Show.class})
final class RequestsCommand {
    private RequestsCommand() {
    }

    /** Which spoke asks, and which of its admins. */
    static final class Target {
        @Option(names = "--config", required = true, description = "The spoke's config file.")
        Path config;
        @Option(names = "--as", defaultValue = "${sys:user.name}", description = "The admin the hub logs as asking (default: your login name).")
        String admin;
    }

    /** A call to the hub's Access service with the spoke's certificate, as the admin {@code user}. */
    private interface Call<T> {
        T run(AccessGrpc.AccessBlockingStub hub, AccessUser admin);
    }

    static <T> T ask(Path config, String user, Call<T> call) throws Exception {
        SpokeConfig c = SpokeConfig.read(config);
        if (c.hubAddress() == null) {
            throw new java.io.IOException("the config names no hub.address");
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress(c.hubAddress()).sslContext(c.tls().clientContext())
                .overrideAuthority(c.hubAuthority() == null ? c.hubAddress().getHostString() : c.hubAuthority()).build();
        try {
            return call.run(AccessGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS),
                    AccessUser.newBuilder().setName(user).setRole(UserRole.ADMIN).build());
        } catch (StatusRuntimeException e) {
            throw new java.io.IOException("the hub at " + c.hubAddress() + " answered " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription(), e);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static String line(AccessRequestView r) {
        return String.format("%-10s %-10s %-18s %-14s %-20s %s", r.getId(), r.getState(), r.getRecordId(), r.getOwnerRegion(),
                r.getRequester(), r.getExpires().isEmpty() ? "" : "until " + r.getExpires());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists this spoke's requests, oldest first: id, state, record, owner, requester.")
    static final class ListRequests implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            var requests = ask(target.config, target.admin, (hub, user) -> hub.listRequests(ListRequestsRequest.newBuilder().setUser(user).build()));
            requests.getRequestsList().forEach(r -> System.out.println(line(r)));
            System.out.printf("%d request(s)%n", requests.getRequestsCount());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one request and its history: every event, who and when.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Target target;
        @Parameters(paramLabel = "ID", description = "The request's id (req-N).")
        String id;

        @Override
        public Integer call() throws Exception {
            AccessRequestView r = ask(target.config, target.admin, (hub, user) -> hub.getRequest(GetRequestRequest.newBuilder().setUser(user).setRequestId(id).build()));
            System.out.println(line(r));
            System.out.printf("  purpose %s, episode %s%n  justification: %s%n", r.getPurpose(), r.getEpisode(), r.getJustification());
            r.getHistoryList().forEach(e -> System.out.printf("  %s  %-8s %s@%s (%s, %s) → %s%s%n", e.getAt(), e.getAction(), e.getUser(), e.getRegion(),
                    e.getRole(), e.getSpoke(), e.getOutcome(), e.getReason().isEmpty() ? "" : ": " + e.getReason()));
            return 0;
        }
    }
}
