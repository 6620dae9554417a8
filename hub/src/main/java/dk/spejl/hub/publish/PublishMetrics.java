package dk.spejl.hub.publish;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/** {@code spejl_hub_publish_seconds} for whole cycles and {@code spejl_hub_commit_seconds} for their synced commits. */
final class PublishMetrics implements Publisher.CycleListener {
    private final Timer publish;
    private final Timer commit;

    PublishMetrics(MeterRegistry metrics) {
        this.publish = Timer.builder("spejl_hub_publish_seconds").description("time to publish one revision").register(metrics);
        this.commit = Timer.builder("spejl_hub_commit_seconds")
                .description("time of a publish's synced commit to the catalogue: the disk's share of publishing").register(metrics);
    }

    @Override
    public void stageCompleted(Publisher.Stage stage, long revision, long nanos) {
        if (stage == Publisher.Stage.COMMIT) {
            commit.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void cycleCompleted(Published published, long nanos) {
        publish.record(nanos, TimeUnit.NANOSECONDS);
    }
}
