package dk.spejl.spoke.search;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revisions kept searchable for the cursors made at them: each for {@link #LIFETIME} after the last page
 * given out at it, and at most {@link #MAX} at once, since each pins a reader and a RocksDB snapshot. Beyond that
 * the one paged longest ago goes first, and its cursors answer 410 before their time is up.
 */
final class CursorViews {
    static final Duration LIFETIME = Duration.ofMinutes(10);
    static final int MAX = 64;

    private record Held(SearchView view, Instant until) {
    }

    private final Clock clock;
    private final Map<Long, Held> held = new ConcurrentHashMap<>();
    private volatile boolean closed;

    CursorViews(Clock clock) {
        this.clock = clock;
    }

    /** Keeps {@code view} for cursors for {@link #LIFETIME} from now. */
    void retain(SearchView view) {
        if (closed) {
            return;
        }
        Instant until = clock.instant().plus(LIFETIME);
        if (!held.containsKey(view.revision()) && held.size() >= MAX) {
            held.entrySet().stream().min(Map.Entry.comparingByValue(Comparator.comparing(Held::until)))
                    .ifPresent(oldest -> drop(oldest.getKey(), oldest.getValue()));
        }
        held.compute(view.revision(), (revision, before) -> {
            if (before != null && before.view() == view) {
                return new Held(view, until);
            }
            if (!view.tryAcquire()) {
                return before;
            }
            if (before != null) {
                before.view().release();
            }
            return new Held(view, until);
        });
    }

    /** The view kept for {@code revision}, with a reference for the caller; empty once it is no longer kept. */
    Optional<SearchView> acquire(long revision) {
        sweep();
        Held h = held.get(revision);
        return h != null && h.view().tryAcquire() ? Optional.of(h.view()) : Optional.empty();
    }

    /** Lets go of every view whose time is up. */
    void sweep() {
        Instant now = clock.instant();
        held.forEach((revision, h) -> {
            if (h.until().isBefore(now)) {
                drop(revision, h);
            }
        });
    }

    /** Lets go of every view, and keeps none from now on. */
    void close() {
        closed = true;
        held.forEach(this::drop);
    }

    private void drop(long revision, Held h) {
        if (held.remove(revision, h)) {
            h.view().release();
        }
    }
}
