package dk.spejl.spoke.search;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RecentlyUsedTest {
    private static Search.Counted counted(long total) {
        return new Search.Counted(total, true, Map.of());
    }

    @Test
    void theLeastRecentlyUsedGoFirstAndARetiredViewKeepsOnlyItsMostRecent() {
        RecentlyUsed<Search.Counted> counts = new RecentlyUsed<>(3, 1);
        counts.put("a", counted(1));
        counts.put("b", counted(2));
        counts.put("c", counted(3));
        assertThat(counts.get("a").total()).isEqualTo(1); // a is now the most recently used
        counts.put("d", counted(4));
        assertThat(counts.get("b")).as("the least recently used").isNull();
        assertThat(counts.get("a")).isNotNull();
        assertThat(counts.size()).isEqualTo(3);

        RecentlyUsed<Search.Counted> current = RecentlyUsed.counts();
        for (int i = 0; i < RecentlyUsed.COUNTS + 10; i++) {
            current.put("q" + i, counted(i));
        }
        assertThat(current.size()).isEqualTo(RecentlyUsed.COUNTS);
        current.retire();
        assertThat(current.size()).isEqualTo(RecentlyUsed.COUNTS_RETIRED);
        assertThat(current.get("q" + (RecentlyUsed.COUNTS + 9))).as("the most recent stays").isNotNull();
        current.put("new", counted(0));
        assertThat(current.size()).as("a retired view stays small").isEqualTo(RecentlyUsed.COUNTS_RETIRED);
    }

    @Test
    void aCopyForTheSameRevisionKeepsTheCountsAndIsNotTrimmedWithTheOriginal() {
        RecentlyUsed<Search.Counted> original = RecentlyUsed.counts();
        for (int i = 0; i < 100; i++) {
            original.put("q" + i, counted(i));
        }
        RecentlyUsed<Search.Counted> copy = original.copy();
        original.retire();
        assertThat(original.size()).isEqualTo(RecentlyUsed.COUNTS_RETIRED);
        assertThat(copy.size()).isEqualTo(100);
        assertThat(copy.get("q0").total()).isZero();
        assertThat(copy.get("q99").total()).isEqualTo(99);
    }

    @Test
    void aRetiredViewKeepsNoFirstPages() {
        RecentlyUsed<String> pages = RecentlyUsed.pages();
        for (int i = 0; i < RecentlyUsed.PAGES + 5; i++) {
            pages.put("p" + i, "hits " + i);
        }
        assertThat(pages.size()).isEqualTo(RecentlyUsed.PAGES);
        assertThat(pages.get("p0")).as("the least recently used").isNull();
        pages.retire();
        assertThat(pages.size()).isZero();
        pages.put("late", "hits");
        assertThat(pages.get("late")).isNull();
    }
}
