package dk.spejl.spoke.web;

import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.sync.Freshness;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What every page says about freshness and who is signed in, in both languages. */
class FrameTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static Frame frame(String language, Optional<Instant> stale, Optional<Freshness.Behind> behind) {
        return new Frame(Messages.of(language), "syddanmark", 1234, Optional.of(NOW.minusSeconds(3600)), Optional.of(NOW.minusSeconds(3)),
                stale, behind, Optional.of(new Caller("anna", Set.of(Role.CLINICIAN, Role.STEWARD), "local")), "t", "/search?q=x",
                Optional.empty(), NOW, Optional.empty());
    }

    @Test
    void aFreshPageSaysItsRevisionAndHowRecentlyItWasConfirmed() {
        Frame da = frame("da", Optional.empty(), Optional.empty());
        assertThat(da.revisionText()).isEqualTo("Revision 1.234");
        assertThat(da.updatedText()).isEqualTo("opdateret for 3 sekunder siden");
        assertThat(da.publishedText()).isEqualTo("udgivet af NGC 1. dec. 2026 kl. 10:00");
        assertThat(da.regionName()).isEqualTo("Region Syddanmark");
        assertThat(da.userText()).isEqualTo("anna (kliniker, dataansvarlig)");
        assertThat(da.stale()).isFalse();
        assertThat(da.switchHref()).isEqualTo("/language?to=en&back=%2Fsearch%3Fq%3Dx");
        assertThat(frame("en", Optional.empty(), Optional.empty()).updatedText()).isEqualTo("updated 3 seconds ago");
    }

    @Test
    void aStalePageSaysSinceWhenAndHowFarBehind() {
        Instant since = NOW.minusSeconds(600);
        Frame behind = frame("da", Optional.of(since), Optional.of(new Freshness.Behind(3, 1237, since)));
        assertThat(behind.stale()).isTrue();
        assertThat(behind.staleText()).isEqualTo("Data er forældede siden 1. dec. 2026 kl. 10:50 (for 10 minutter siden): denne spoke er 3 "
                + "revisioner bagud (NGC er på revision 1.237). Det viste kan mangle de nyeste ændringer.");
        assertThat(frame("en", Optional.of(since), Optional.empty()).staleText())
                .startsWith("The data is stale since 1 Dec 2026, 10:50 (10 minutes ago)");
    }
}
