package dk.spejl.hub.publish;

import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.IngestLine;
import dk.spejl.wire.IngestResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The operators' {@code Admin.Ingest} call: collects the file's lines and hands them to {@link Ingest}. */
public final class IngestService implements AdminGrpc.AsyncService {
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final Ingest ingest;
    private final long maxLines;

    public IngestService(Ingest ingest, long maxLines) {
        this.ingest = ingest;
        this.maxLines = maxLines;
    }

    @Override
    public StreamObserver<IngestLine> ingest(StreamObserver<IngestResult> result) {
        return new StreamObserver<>() {
            private final List<String> lines = new ArrayList<>();
            private boolean failed;

            @Override
            public void onNext(IngestLine line) {
                if (failed) {
                    return;
                }
                if (lines.size() >= maxLines) {
                    failed = true;
                    result.onError(Status.RESOURCE_EXHAUSTED.withDescription("an ingest file may hold at most " + maxLines
                            + " lines; split it").asRuntimeException());
                    return;
                }
                lines.add(line.getText().toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onError(Throwable t) {
                log.info("ingest abandoned by the client after {} lines: {}", lines.size(), t.toString());
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                try {
                    result.onNext(ingest.apply(lines));
                    result.onCompleted();
                } catch (IOException e) {
                    result.onError(Status.INTERNAL.withDescription("publish failed: " + e.getMessage()).asRuntimeException());
                }
            }
        };
    }
}
