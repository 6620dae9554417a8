package dk.spejl.spoke.search;

import dk.spejl.spoke.replica.Replica;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The replica's announced changes on their way to the index's writer thread: queued by the replica's listener,
 * kept by revision until the index has applied them, and asked for as the ids a run of revisions touched. Only the
 * writer thread takes from it; {@link #stop} may come from any.
 */
final class ChangeQueue {
    /** How long a change the replica committed may take to be announced before the index gives up waiting and rebuilds. */
    private static final long MISSING_CHANGE_WAIT_MILLIS = 5_000;
    private static final Replica.Change STOP = new Replica.Change(Long.MIN_VALUE, List.of(), false);

    private final LinkedBlockingQueue<Replica.Change> changes = new LinkedBlockingQueue<>();
    /** Writer thread only. */
    private final TreeMap<Long, Replica.Change> pending = new TreeMap<>();

    /** The index is being closed: whatever the writer thread was doing, it stops. */
    static final class Stopping extends RuntimeException {
        Stopping() {
            super("the search index is closing", null, false, false);
        }
    }

    /** The replica's listener: called on its commit thread. */
    void add(Replica.Change change) {
        changes.add(change);
    }

    /** Asks the writer thread to stop (not an interrupt: one that lands in the writer's file I/O closes its channels for good). */
    void stop() {
        changes.add(STOP);
    }

    /** Waits up to {@code seconds} for a change and takes every one queued; false once asked to stop. */
    boolean await(long seconds) throws InterruptedException {
        Replica.Change change = changes.poll(seconds, TimeUnit.SECONDS);
        if (change == STOP) {
            return false;
        }
        if (change != null) {
            pending.put(change.revision(), change);
            drain();
        }
        return true;
    }

    private void drain() {
        for (Replica.Change c; (c = changes.poll()) != null; ) {
            if (c == STOP) {
                changes.add(STOP); // seen again by the loop, after this step
                return;
            }
            pending.put(c.revision(), c);
        }
    }

    /** Forgets the changes up to {@code revision}: the index holds them. */
    void appliedUpTo(long revision) {
        pending.headMap(revision, true).clear();
    }

    /**
     * The ids every revision after {@code indexed}, up to {@code target}, touched; null when the index must be rebuilt
     * instead (a bootstrap replaced the replica, it moved back, or a change never came).
     */
    List<String> changesUpTo(long indexed, long target) throws InterruptedException {
        if (target <= indexed) {
            return null;
        }
        if (pending.subMap(indexed, false, target, true).values().stream().anyMatch(Replica.Change::replaced)) {
            return null;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (long r = indexed + 1; r <= target; r++) {
            Replica.Change change = pending.get(r);
            long deadline = System.currentTimeMillis() + MISSING_CHANGE_WAIT_MILLIS;
            while (change == null && System.currentTimeMillis() < deadline) {
                // Committed, but its listener call has not come yet: it follows the commit at once.
                Replica.Change next = changes.poll(10, TimeUnit.MILLISECONDS);
                if (next == STOP) {
                    changes.add(STOP);
                    throw new Stopping();
                }
                if (next != null) {
                    pending.put(next.revision(), next);
                    drain();
                }
                change = pending.get(r);
            }
            if (change == null || change.replaced()) {
                return null;
            }
            ids.addAll(change.ids());
        }
        appliedUpTo(target);
        return new ArrayList<>(ids);
    }
}
