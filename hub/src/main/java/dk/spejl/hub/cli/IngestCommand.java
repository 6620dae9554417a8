package dk.spejl.hub.cli;

import com.google.protobuf.ByteString;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.IngestError;
import dk.spejl.wire.IngestLine;
import dk.spejl.wire.IngestResult;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Sends a change set to the running hub and prints the new revision.",
                "FILE is JSON Lines: {\"op\":\"put\",\"record\":{...}} or {\"op\":\"delete\",\"id\":\"...\"}.",
                "One bad line refuses the whole file: every error is printed with its line number and nothing is published.",
                "Exit codes: 0 published, 1 refused, 2 could not reach the hub or read the file."})
final class IngestCommand implements Callable<Integer> {
    /** A large file takes the hub a while to validate and publish (a million records: about a minute). */
    private static final long INGEST_SECONDS = 600;
    @CommandLine.Mixin
    AdminTarget target;
    @Parameters(index = "0", description = "The JSON Lines file, or - for standard input.")
    String file;

    @Override
    public Integer call() throws Exception {
        ManagedChannel channel = target.channel();
        try (BufferedReader in = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            CompletableFuture<IngestResult> done = new CompletableFuture<>();
            StreamObserver<IngestLine> lines = AdminGrpc.newStub(channel).withDeadlineAfter(target.seconds(INGEST_SECONDS), TimeUnit.SECONDS)
                    .ingest(new StreamObserver<>() {
                        @Override
                        public void onNext(IngestResult value) {
                            done.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            String line;
            long count = 0;
            while ((line = in.readLine()) != null && !done.isDone()) {
                lines.onNext(IngestLine.newBuilder().setText(ByteString.copyFromUtf8(line)).build());
                count++;
            }
            lines.onCompleted();
            IngestResult result = done.get();
            if (result.getPublished()) {
                System.out.println("published revision " + result.getRevision() + " (" + result.getPuts() + " puts, "
                        + result.getDeletes() + " deletes, " + count + " lines)");
                return 0;
            }
            long unlisted = result.getUnlistedErrorsMap().values().stream().mapToLong(Long::longValue).sum();
            System.err.println("refused: nothing was published. " + (result.getErrorsCount() + unlisted) + " error(s)"
                    + (unlisted > 0 ? ", the first " + result.getErrorsCount() + " listed:" : ":"));
            for (IngestError error : result.getErrorsList()) {
                System.err.println(error.getLine() > 0 ? "  line " + error.getLine() + ": " + error.getMessage() : "  " + error.getMessage());
            }
            if (unlisted > 0) {
                System.err.println("  ... and " + unlisted + " more not listed: " + new java.util.TreeMap<>(result.getUnlistedErrorsMap())
                        .entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(java.util.stream.Collectors.joining(", ")));
            }
            return 1;
        } catch (ExecutionException e) {
            System.err.println("the hub did not take the file: " + target.explain(e.getCause(), target.seconds(INGEST_SECONDS)));
            return 2;
        } catch (IOException e) {
            System.err.println("cannot read " + file + ": " + e.getMessage());
            return 2;
        } finally {
            channel.shutdownNow();
        }
    }
}
