package dk.spejl.spoke.web;

import dk.spejl.naming.Identifiers;
import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.auth.LocalGate;
import dk.spejl.spoke.auth.LocalLogin;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.auth.Sessions;
import dk.spejl.spoke.browse.BrowseLog;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.PlainPage;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.replica.Replica;
import dk.spejl.spoke.search.Search;
import dk.spejl.spoke.search.SearchQuery;
import dk.spejl.spoke.sync.Freshness;
import dk.spejl.wire.Record;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The clinicians' web app: server-rendered pages (JTE, compiled with the module) over the same search as the API,
 * each view in the browse log before it is shown. Handlers parse, ask {@link Search}, build a page model, render.
 */
public final class WebApp {
    /** Scripts and styles come from the spoke itself, nothing inline; forms post only to it; no page may be framed. */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    public static final String LANGUAGE_COOKIE = "spejl_lang";
    /** The login form's cookie before there is a session: its CSRF token is made from it. */
    public static final String PRE_SESSION_COOKIE = "spejl_pre";
    private static final Pattern PSEUDONYM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{3,63}");
    private static final Map<String, String> STATIC = Map.of("spejl.css", "text/css; charset=utf-8", "spejl.js", "text/javascript; charset=utf-8");

    /** What the pages say about the spoke around their content. */
    public interface Facts {
        String region();

        /** The revision the replica holds, and when the hub published it. */
        Optional<Long> revision();

        Optional<Instant> published();

        /** When the spoke last heard, from a signed heartbeat, that the hub's head is what it holds or ahead. */
        Optional<Instant> updated();

        Optional<Instant> staleSince();

        Optional<Freshness.Behind> behind();

        /** What the alarm says while this spoke holds evidence that the hub rewrote its access log. */
        default Optional<String> auditAlarm() {
            return Optional.empty();
        }
    }

    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final Search search;
    private final Replica replica;
    private final Facts facts;
    private final Sessions sessions;
    private final Optional<LocalLogin> login;
    /** Where the single sign-on proxy signs people out, in header mode. */
    private final Optional<String> logoutUrl;
    /** Where a browser goes once its session has ended (an OpenID Connect provider's logout, say). */
    private final java.util.function.Function<Sessions.Session, String> afterLogout;
    private final BrowseLog browseLog;
    private final Clock clock;

    public WebApp(Search search, Replica replica, Facts facts, Sessions sessions, Optional<LocalLogin> login, Optional<String> logoutUrl,
                  java.util.function.Function<Sessions.Session, String> afterLogout, BrowseLog browseLog, Clock clock) {
        this.logoutUrl = logoutUrl;
        this.afterLogout = afterLogout;
        this.search = search;
        this.replica = replica;
        this.facts = facts;
        this.sessions = sessions;
        this.login = login;
        this.browseLog = browseLog;
        this.clock = clock;
    }

    public Routes register(Routes routes) {
        routes.openGet("/", "web_home", request -> HttpResponse.redirect("/search"))
                .openGet("/static/{file}", "web_static", this::file)
                .openGet("/language", "web_language", this::language)
                .get("/search", "web_search", this::search)
                .get("/records/{id}", "web_record", this::record)
                .get("/subjects/{pseudonym}", "web_subject", this::subject)
                .get("/admin/log", "web_log", this::log)
                .post("/logout", "web_logout", this::logout);
        if (login.isPresent()) {
            routes.openGet("/login", "web_login_form", this::loginForm).openPost("/login", "web_login", this::signIn);
        }
        return routes;
    }

    // ---- pages

    HttpResponse search(HttpRequest request) {
        return browseLog.answer(request, "search", seen -> {
            Map<String, List<String>> parameters = request.query();
            try {
                Search.Page page = search.records(SearchQuery.parse(parameters));
                seen.hits = page.total();
                seen.shown = page.hits().stream().map(Record::getId).toList();
                seen.revision = page.revision();
                return page(200, "search", SearchPage.of(frame(request, page.revision()), parameters, page));
            } catch (SearchQuery.BadQuery e) {
                Frame frame = frame(request, -1);
                return page(400, "search", SearchPage.failed(frame, parameters, frame.m().format("search.bad", e.getMessage())));
            } catch (Search.NotReady e) {
                Frame frame = frame(request, -1);
                return page(503, "search", SearchPage.failed(frame, parameters, frame.m().format("search.building",
                        frame.m().number(e.progress().done()), frame.m().number(e.progress().total()))));
            } catch (Search.Gone e) {
                Frame frame = frame(request, -1);
                return page(410, "search", SearchPage.failed(frame, parameters, frame.m().lookup("search.gone")));
            }
        }, (status, message) -> error(request, status, message));
    }

    HttpResponse record(HttpRequest request) {
        String id = request.pathParameter("id");
        return browseLog.answer(request, "record", seen -> {
            if (!Identifiers.isRecordId(id)) {
                return error(request, 400, "id: not a record id (" + Identifiers.RECORD_ID_RULE + ")");
            }
            try {
                Optional<Search.Lineage> found = search.record(id, replica, true);
                if (found.isEmpty() || found.get().record().isEmpty()) {
                    found.ifPresent(l -> seen.revision = l.revision());
                    seen.hits = 0;
                    Frame frame = frame(request, seen.revision);
                    return page(404, "error", new Pages.Error(frame, 404, frame.m().lookup("error.no_record"), id));
                }
                Search.Lineage lineage = found.get();
                seen.revision = lineage.revision();
                seen.hits = 1;
                RecordPage page = RecordPage.of(frame(request, lineage.revision()), lineage.record().get(), lineage.derivatives(),
                        lineage.related());
                seen.shown = page.shown(); // every id the page names
                return page(200, "record", page);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, (status, message) -> error(request, status, message));
    }

    HttpResponse subject(HttpRequest request) {
        String pseudonym = request.pathParameter("pseudonym");
        return browseLog.answer(request, "subject", seen -> {
            if (!PSEUDONYM.matcher(pseudonym).matches()) {
                return error(request, 400, "pseudonym: not a subject pseudonym");
            }
            try {
                Search.Subject subject = search.subject(pseudonym);
                seen.hits = subject.records().size();
                seen.shown = subject.records().stream().map(Record::getId).toList();
                seen.revision = subject.revision();
                Frame frame = frame(request, subject.revision());
                if (subject.records().isEmpty()) {
                    return page(404, "error", new Pages.Error(frame, 404, frame.m().lookup("error.no_subject"), pseudonym));
                }
                return page(200, "subject", SubjectPage.of(frame, pseudonym, subject.records()));
            } catch (Search.NotReady e) {
                Frame frame = frame(request, -1);
                return page(503, "error", new Pages.Error(frame, 503, frame.m().lookup("error.building"), ""));
            }
        }, (status, message) -> error(request, status, message));
    }

    HttpResponse log(HttpRequest request) {
        Caller caller = request.user().orElseThrow();
        Frame frame = frame(request, -1);
        if (!caller.has(Role.ADMIN)) {
            return page(403, "error", new Pages.Error(frame, 403, frame.m().lookup("error.forbidden"), frame.m().lookup("log.admins_only")));
        }
        return page(200, "log", AdminLog.page(frame, browseLog));
    }

    // ---- signing in and out

    HttpResponse loginForm(HttpRequest request) {
        String next = local(request.query("next").orElse("/search"));
        if (request.user().isPresent()) {
            return HttpResponse.redirect(next);
        }
        String pre = sessions.newId();
        Frame frame = frame(request, -1, sessions.csrfToken(pre));
        Optional<String> notice = request.query("bye").map(x -> frame.m().lookup("login.bye"));
        return page(200, "login", new Pages.Login(frame, next, "", Optional.empty(), notice)).withCookie(preSession(request, pre));
    }

    HttpResponse signIn(HttpRequest request) {
        Map<String, List<String>> form = request.form();
        String next = local(first(form, "next").orElse("/search"));
        Optional<String> pre = request.cookie(PRE_SESSION_COOKIE);
        if (pre.isEmpty() || !sessions.csrfMatches(pre.get(), first(form, "csrf").orElse(""))) {
            return refusedForm(request);
        }
        String name = first(form, "name").orElse("").trim();
        char[] password = first(form, "password").orElse("").toCharArray();
        Frame frame = frame(request, -1, sessions.csrfToken(pre.get()));
        Messages m = frame.m();
        try {
            LocalLogin.Outcome outcome = login.orElseThrow().login(name, password);
            if (outcome instanceof LocalLogin.Outcome.SignedIn in) {
                request.cookie(LocalGate.SESSION_COOKIE).ifPresent(sessions::end); // a session presented at a login ends there
                Sessions.Session session = sessions.start(in.caller(), in.version());
                return HttpResponse.redirect(next)
                        .withCookie(cookie(request, LocalGate.SESSION_COOKIE, session.id(), -1))
                        .withCookie(cookie(request, PRE_SESSION_COOKIE, "", 0));
            }
            String error = outcome instanceof LocalLogin.Outcome.Locked l ? m.format("login.locked", m.time(l.until()))
                    : outcome instanceof LocalLogin.Outcome.Busy ? m.lookup("login.busy") : m.lookup("login.refused");
            int status = outcome instanceof LocalLogin.Outcome.Locked ? 429 : outcome instanceof LocalLogin.Outcome.Busy ? 503 : 401;
            return page(status, "login", new Pages.Login(frame, next, name, Optional.of(error), Optional.empty()));
        } catch (Sessions.Full e) {
            return page(503, "login", new Pages.Login(frame, next, name, Optional.of(m.lookup("login.busy")), Optional.empty()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse logout(HttpRequest request) {
        Optional<String> session = request.cookie(LocalGate.SESSION_COOKIE);
        if (session.isEmpty() || !sessions.csrfMatches(session.get(), request.formField("csrf").orElse(""))) {
            return refusedForm(request);
        }
        String next = sessions.find(session.get()).map(afterLogout).orElse("/login?bye=1");
        sessions.end(session.get());
        HttpResponse gone = LocalGate.isLocal(next) ? HttpResponse.redirect(next)
                // Off to the identity provider's logout: by a page of the spoke's, since a browser holds a form's redirect
                // to the spoke's own form-action policy, which names no other site.
                : PlainPage.onwards(next, "leaving", "Log ud hos identitetsudbyderen / Sign out at the identity provider");
        return gone.withCookie(cookie(request, LocalGate.SESSION_COOKIE, "", 0));
    }

    /** A form without its CSRF token, or with another session's: nothing is done. */
    HttpResponse refusedForm(HttpRequest request) {
        Frame frame = frame(request, -1);
        return page(403, "error", new Pages.Error(frame, 403, frame.m().lookup("error.csrf"), frame.m().lookup("error.csrf_detail")));
    }

    /**
     * Whether a posted form came from this spoke's own page: it carries the session's CSRF token, or, behind a
     * single sign-on proxy (where the spoke keeps no session), the browser says it was sent from the same origin
     * ({@code Sec-Fetch-Site}, which no page can set).
     */
    boolean csrfOk(HttpRequest request) {
        Optional<String> session = request.cookie(LocalGate.SESSION_COOKIE);
        if (session.isPresent()) {
            return sessions.csrfMatches(session.get(), request.formField("csrf").orElse(""));
        }
        return request.user().map(c -> c.mode().equals("header")).orElse(false)
                && request.header("sec-fetch-site").map("same-origin"::equals).orElse(false);
    }

    /** Adds the working-copy pages, over the hub's {@code Access} service. */
    public Routes registerAccess(Routes routes, dk.spejl.spoke.access.HubAccess hub, dk.spejl.spoke.access.AccessFeed feed,
                                 dk.spejl.spoke.sync.AuditWitness witness) {
        return new AccessPages(this, hub, feed, witness).register(routes);
    }

    HttpResponse language(HttpRequest request) {
        String to = request.query("to").filter(Messages.LANGUAGES::contains).orElse(Messages.DEFAULT);
        return HttpResponse.redirect(local(request.query("back").orElse("/search")))
                .withCookie(LANGUAGE_COOKIE + "=" + to + "; Path=/; Max-Age=31536000; SameSite=Lax" + (request.secure() ? "; Secure" : ""));
    }

    HttpResponse file(HttpRequest request) {
        String name = request.pathParameter("file");
        String type = STATIC.get(name);
        if (type == null) {
            return HttpResponse.text(404, "text/plain; charset=utf-8", "no such file");
        }
        try (InputStream in = WebApp.class.getResourceAsStream("/web/static/" + name)) {
            return HttpResponse.text(200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .withHeader("Cache-Control", "max-age=300");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- helpers

    Frame frame(HttpRequest request, long revision) {
        return frame(request, revision, request.cookie(LocalGate.SESSION_COOKIE).map(sessions::csrfToken).orElse(""));
    }

    private Frame frame(HttpRequest request, long revision, String csrf) {
        Messages m = Messages.of(request.cookie(LANGUAGE_COOKIE).orElse(Messages.DEFAULT));
        long shown = revision >= 0 ? revision : facts.revision().orElse(-1L);
        return new Frame(m, facts.region(), shown, facts.published(), facts.updated(), facts.staleSince(), facts.behind(),
                request.user(), csrf, LocalGate.here(request), logoutUrl, clock.instant(), facts.auditAlarm());
    }

    HttpResponse page(int status, String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template + ".jte", model, out);
        return HttpResponse.text(status, "text/html; charset=utf-8", out.toString()).withHeader("Content-Security-Policy", PAGE_POLICY);
    }

    HttpResponse error(HttpRequest request, int status, String detail) {
        Frame frame = frame(request, -1);
        return page(status, "error", new Pages.Error(frame, status, frame.m().lookup("error.title"), detail));
    }

    private static String cookie(HttpRequest request, String name, String value, int maxAge) {
        return Sessions.cookie(request.secure(), name, value, maxAge);
    }

    private static String preSession(HttpRequest request, String value) {
        return cookie(request, PRE_SESSION_COOKIE, value, 3600);
    }

    /** A path on this spoke to go to next; anything else (another site, a scheme, {@code //host}) is the search page. */
    static String local(String next) {
        return LocalGate.isLocal(next) ? next : "/search";
    }

    private static Optional<String> first(Map<String, List<String>> form, String name) {
        List<String> v = form.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

}
