package dk.spejl.spoke.search;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RecentCountsTest {
    private static Search.Counted counted(long total) {
        return new Search.Counted(total, true, Map.of());
    }

    @Test
    void theLeastRecentlyUsedGoFirstAndARetiredViewKeepsOnlyItsMostRecent() {
        RecentCounts counts = new RecentCounts(3);
        counts.put("a", counted(1));
        counts.put("b", counted(2));
        counts.put("c", counted(3));
        assertThat(counts.get("a").total()).isEqualTo(1); // a is now the most recently used
        counts.put("d", counted(4));
        assertThat(counts.get("b")).as("the least recently used").isNull();
        assertThat(counts.get("a")).isNotNull();
        assertThat(counts.size()).isEqualTo(3);

        RecentCounts current = new RecentCounts();
        for (int i = 0; i < RecentCounts.CURRENT + 10; i++) {
            current.put("q" + i, counted(i));
        }
        assertThat(current.size()).isEqualTo(RecentCounts.CURRENT);
        current.retire();
        assertThat(current.size()).isEqualTo(RecentCounts.RETIRED);
        assertThat(current.get("q" + (RecentCounts.CURRENT + 9))).as("the most recent stays").isNotNull();
        current.put("new", counted(0));
        assertThat(current.size()).as("a retired view stays small").isEqualTo(RecentCounts.RETIRED);
    }

    @Test
    void aCopyForTheSameRevisionKeepsTheCountsAndIsNotTrimmedWithTheOriginal() {
        RecentCounts original = new RecentCounts();
        for (int i = 0; i < 100; i++) {
            original.put("q" + i, counted(i));
        }
        RecentCounts copy = original.copy();
        original.retire();
        assertThat(original.size()).isEqualTo(RecentCounts.RETIRED);
        assertThat(copy.size()).isEqualTo(100);
        assertThat(copy.get("q0").total()).isZero();
        assertThat(copy.get("q99").total()).isEqualTo(99);
    }
}
