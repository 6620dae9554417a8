package dk.spejl.bench;

import dk.spejl.hub.Hub;
import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessRequestView;
import dk.spejl.wire.AccessUser;
import dk.spejl.wire.CreateGrantRequest;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.SubmitRequest;
import dk.spejl.wire.UserRole;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 15's point: requests decided per second, from a spoke's submit to approved by a grant, through the real
 * gRPC path over mutual TLS, each with its durable audit append; prints Markdown.
 */
@Command(name = "spejl-access-bench", mixinStandardHelpOptions = true, description = "Access request benchmark; prints Markdown.")
public final class AccessBench implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per concurrency level (default: ${DEFAULT-VALUE}).")
    int seconds;
    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,16,64", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AccessBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("spejl-access-bench");
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        TlsFiles tls = ServerPki.create(dir.resolve("tls"), "bench", List.of("localhost"), List.of("127.0.0.1"));
        HubKeys.create(dir.resolve("keys"), root, "bench", Duration.ofDays(365), Clock.systemUTC());
        TlsFiles spoke = ServerPki.enrol(dir.resolve("tls"), PeerIdentity.spokeSubject("ouh", "syddanmark"), dir.resolve("ouh"), "spoke");
        TlsFiles owner = ServerPki.enrol(dir.resolve("tls"), PeerIdentity.spokeSubject("rh", "hovedstaden"), dir.resolve("rh"), "spoke");
        System.out.printf("## Access benchmark: submit to approved by a grant, over gRPC with mutual TLS, %d cores, %s%n%n",
                Runtime.getRuntime().availableProcessors(), java.time.LocalDate.now());
        try (Hub hub = Hub.builder().dataDir(dir.resolve("hub")).hubId("bench").keys(dir.resolve("keys"), root.publicKey().fingerprint())
                .tls(tls).start()) {
            List<HubRecord> records = new CatalogueGenerator(15).generate(20_000);
            hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList());
            List<String> owned = records.stream().filter(r -> r.getRecord().getOwnerRegion().equals("hovedstaden"))
                    .filter(r -> r.getRecord().getStatus() != dk.spejl.wire.Status.WITHDRAWN).map(r -> r.getRecord().getId()).toList();
            ManagedChannel ownerChannel = channel(hub, owner);
            AccessGrpc.newBlockingStub(ownerChannel).createGrant(CreateGrantRequest.newBuilder()
                    .setUser(AccessUser.newBuilder().setName("steward-rh").setRole(UserRole.STEWARD))
                    .setGranteeRegion("syddanmark").addAllFileFormats(List.of("fastq", "ubam", "cram", "vcf", "gvcf"))
                    .setPurpose(AccessBook.CLINICAL_CARE).setValidFrom("2026-01-01T00:00:00Z").setValidTo("2036-01-01T00:00:00Z")
                    .setReason("the benchmark's standing grant").build());
            ownerChannel.shutdownNow();
            System.out.println("| clients | decided/s | p50 ms | p99 ms | max ms | audit entries |");
            System.out.println("|---|---|---|---|---|---|");
            AtomicLong ids = new AtomicLong();
            for (int clients : concurrency) {
                List<ManagedChannel> channels = new ArrayList<>();
                for (int i = 0; i < Math.min(clients, 4); i++) {
                    channels.add(channel(hub, spoke));
                }
                run(channels, clients, 2, owned, ids); // warm-up
                long before = hub.accessLog().size();
                long started = System.nanoTime();
                double[] latencies = run(channels, clients, seconds, owned, ids);
                double elapsed = (System.nanoTime() - started) / 1e9;
                java.util.Arrays.sort(latencies);
                System.out.printf("| %d | %.0f | %.2f | %.2f | %.1f | %,d |%n", clients, latencies.length / elapsed, SpejlBench.pct(latencies, 0.5),
                        SpejlBench.pct(latencies, 0.99), latencies[latencies.length - 1], hub.accessLog().size() - before);
                for (ManagedChannel c : channels) {
                    c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            var check = hub.accessLog().verify();
            System.out.printf("%nThe audit log afterwards: %,d entries, %s.%n", check.entries(), check.ok() ? "verified" : "NOT verified: " + check.problem());
        } finally {
            SearchBench.deleteTree(dir);
        }
        return 0;
    }

    private static double[] run(List<ManagedChannel> channels, int clients, int seconds, List<String> owned, AtomicLong ids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<List<Double>> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<Double> mine = new ArrayList<>();
            perClient.add(mine);
            var stub = AccessGrpc.newBlockingStub(channels.get(c % channels.size()));
            Thread t = new Thread(() -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(ids.incrementAndGet());
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    AccessRequestView v = stub.withDeadlineAfter(10, TimeUnit.SECONDS).submit(SubmitRequest.newBuilder()
                            .setUser(AccessUser.newBuilder().setName("klinik-" + Thread.currentThread().getId()).setRole(UserRole.CLINICIAN))
                            .setRecordId(owned.get(random.nextInt(owned.size()))).setPurpose(AccessBook.CLINICAL_CARE)
                            .setEpisode("forløb " + random.nextInt(100_000)).setJustification("Behandlingsvalg ved recidiv.")
                            .setClientRequestId("bench-" + ids.incrementAndGet()).build());
                    if (!v.getState().equals("approved")) {
                        throw new IllegalStateException("request " + v.getId() + " is " + v.getState() + ", not approved by the grant");
                    }
                    mine.add((System.nanoTime() - t0) / 1e6);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return perClient.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).toArray();
    }

    private static ManagedChannel channel(Hub hub, TlsFiles client) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", hub.replicationPort()).sslContext(client.clientContext())
                .overrideAuthority("localhost").build();
    }
}
