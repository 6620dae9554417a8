package dk.spejl.bench;

import dk.spejl.hub.Hub;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.publish.Published;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.spoke.Spoke;
import dk.spejl.spoke.search.SearchQuery;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Point (4) of the search benchmark: replication's commit-to-searchable while searches run at a steady rate. */
final class ReplicationUnderLoad {
    private ReplicationUnderLoad() {
    }

    /** (4) Single-record revisions, commit to searchable at the spoke, while searches run at a steady rate. */
    static void run(Hub hub, Spoke spoke, List<Record> catalogue, List<SearchBench.Query> mix, Map<Long, Long> applied,
                    Map<Long, Long> searchable, Map<Long, CountDownLatch> waiting, int searchRate, int revisions, SplittableRandom random)
            throws Exception {
        AtomicBoolean loading = new AtomicBoolean(true);
        long[] searches = {0};
        Thread load = new Thread(() -> {
            long interval = 1_000_000_000L / searchRate;
            long next = System.nanoTime();
            SplittableRandom own = random.split();
            while (loading.get()) {
                try {
                    spoke.search().records(SearchQuery.parse(mix.get(own.nextInt(mix.size())).map()));
                    searches[0]++;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                next += interval;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(sleep);
                }
            }
        }, "search-load");
        load.start();
        CatalogueGenerator generator = new CatalogueGenerator(77);
        List<Double> toSearchable = new ArrayList<>();
        List<Double> toApplied = new ArrayList<>();
        List<Double> indexPart = new ArrayList<>();
        long loadStart = System.nanoTime();
        try {
            for (int i = 0; i < 300 + revisions; i++) {
                long revision = hub.publisher().head().revision() + 1;
                CountDownLatch latch = new CountDownLatch(1);
                waiting.put(revision, latch);
                Record r = catalogue.get(random.nextInt(catalogue.size()));
                HubRecord changed = generator.modify(HubRecord.newBuilder().setRecord(r).setStorageUri("s3://ngc/bench/" + r.getId()).build());
                Published published = hub.publisher().publish(new ChangeSet(List.of(new ChangeSet.Put(1, changed)), List.of()));
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("revision " + revision + " did not become searchable");
                }
                waiting.remove(revision);
                // The index hears of a commit from the replica itself, and may publish it before the follower's own
                // report of the apply has come.
                for (int spin = 0; !applied.containsKey(revision) && spin < 10_000; spin++) {
                    Thread.sleep(0, 100_000);
                }
                if (i >= 300) {
                    long committed = published.committedNanos();
                    long a = applied.get(revision);
                    long s = searchable.get(revision);
                    toSearchable.add((s - committed) / 1e6);
                    toApplied.add((a - committed) / 1e6);
                    indexPart.add((s - a) / 1e6);
                }
            }
        } finally {
            loading.set(false);
            load.join();
        }
        double rate = searches[0] / ((System.nanoTime() - loadStart) / 1e9);
        double[] s = toSearchable.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] a = toApplied.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double share = indexPart.stream().mapToDouble(Double::doubleValue).sum() / toSearchable.stream().mapToDouble(Double::doubleValue).sum();
        System.out.printf("### (4) Replication under search load: %d single-record revisions at 1 spoke, %.0f searches/s meanwhile (target p99 ≤ 5 ms)%n%n",
                revisions, rate);
        System.out.println("| from the hub's commit to | p50 ms | p99 ms | max ms |\n|---|---|---|---|");
        System.out.printf("| applied in the replica | %.2f | %.2f | %.1f |%n", SpejlBench.pct(a, 0.5), SpejlBench.pct(a, 0.99), a[a.length - 1]);
        System.out.printf("| searchable (index included) | %.2f | %.2f | %.1f |%n", SpejlBench.pct(s, 0.5), SpejlBench.pct(s, 0.99), s[s.length - 1]);
        System.out.printf("%nThe index's share of commit-to-searchable: %.0f %%.%n%n", share * 100);
    }
}
