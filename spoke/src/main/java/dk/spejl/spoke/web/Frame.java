package dk.spejl.spoke.web;

import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.sync.Freshness;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What every page shows around its content: the spoke's region, the revision shown and how fresh it is, a banner
 * when it is stale, the signed-in user with their roles, the language switch, and the CSRF token for its forms.
 *
 * @param revision  the revision the page was read at, or −1 for none
 * @param updated   when the spoke last knew this revision to be the hub's head (its newest signed heartbeat), if ever
 * @param here      this page's path and query, for the language switch to come back to
 * @param logoutUrl where the single sign-on proxy signs people out, in header mode
 * @param auditAlarm what the alarm says while this spoke holds evidence that the hub rewrote its access log
 */
public record Frame(Messages m, String region, long revision, Optional<Instant> published, Optional<Instant> updated,
                    Optional<Instant> staleSince, Optional<Freshness.Behind> behind, Optional<Caller> caller, String csrf, String here,
                    Optional<String> logoutUrl, Instant now, Optional<String> auditAlarm) {

    /** Whether the signed-in user holds the role (for the navigation). */
    public boolean can(String role) {
        return caller.map(c -> c.roles().stream().anyMatch(r -> r.spelling().equals(role))).orElse(false);
    }

    public String regionName() {
        return m.value("owner_region", region);
    }

    public boolean hasRevision() {
        return revision >= 0;
    }

    public String revisionText() {
        return m.format("frame.revision", m.number(revision));
    }

    public String updatedText() {
        return updated.map(at -> m.format("frame.updated", m.ago(Duration.between(at, now))))
                .orElse(m.lookup("frame.never_updated"));
    }

    public String publishedText() {
        return published.map(at -> m.format("frame.published", m.time(at))).orElse("");
    }

    public boolean stale() {
        return staleSince.isPresent();
    }

    public String staleText() {
        String since = staleSince.map(at -> m.time(at) + " (" + m.ago(Duration.between(at, now)) + ")").orElse("");
        return behind.map(b -> m.format("frame.stale_behind", since, m.number(b.revisions()), m.number(b.head())))
                .orElse(m.format("frame.stale", since));
    }

    public boolean signedIn() {
        return caller.isPresent() && !caller.get().mode().equals("none");
    }

    /** Whether the page offers the spoke's own logout form (a session of the spoke's); behind a proxy, its logout link instead. */
    public boolean localLogout() {
        return caller.map(c -> c.mode().equals("local") || c.mode().equals("oidc")).orElse(false);
    }

    public String userText() {
        return caller.map(c -> m.format("frame.user", c.name(), roles(c))).orElse("");
    }

    private String roles(Caller c) {
        return String.join(", ", c.roles().stream().sorted().map(r -> m.lookup("role." + r.spelling())).toList());
    }

    /** The link that shows this page in the other language. */
    public String switchHref() {
        return "/language?to=" + m.other() + "&back=" + URLEncoder.encode(here, StandardCharsets.UTF_8);
    }

    public String switchLabel() {
        return m.lookup("frame.switch");
    }

    public String otherLanguage() {
        return m.other();
    }
}
