package dk.spejl.spoke.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.naming.Identifiers;
import dk.spejl.spoke.access.AccessFeed;
import dk.spejl.spoke.access.HubAccess;
import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.spoke.sync.AuditWitness;
import dk.spejl.wire.AccessEventView;
import dk.spejl.wire.AccessRequestView;
import dk.spejl.wire.CancelRequest;
import dk.spejl.wire.CreateGrantRequest;
import dk.spejl.wire.DecideRequest;
import dk.spejl.wire.GetRequestRequest;
import dk.spejl.wire.GrantView;
import dk.spejl.wire.ListGrantsRequest;
import dk.spejl.wire.ListRequestsRequest;
import dk.spejl.wire.RevokeGrantRequest;
import dk.spejl.wire.SubmitRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The working-copy pages (docs/design.md, "The access model"): a clinician asks for a working copy from a record's page
 * and follows their requests; the owner region's stewards decide in their inbox, keep the standing grants, and read
 * the access history, each entry checked against the checkpoint this spoke witnessed. Every action goes to the hub as
 * the signed-in user, in the role it needs; every form carries the session's CSRF token.
 */
final class AccessPages {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ZoneId DENMARK = ZoneId.of("Europe/Copenhagen");
    static final List<String> REGIONS = List.of("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland");

    private final WebApp web;
    private final HubAccess hub;
    private final AccessFeed feed;
    private final AuditWitness witness;

    AccessPages(WebApp web, HubAccess hub, AccessFeed feed, AuditWitness witness) {
        this.web = web;
        this.hub = hub;
        this.feed = feed;
        this.witness = witness;
    }

    Routes register(Routes routes) {
        return routes.get("/records/{id}/request", "web_request_form", this::form)
                .post("/records/{id}/request", "web_request_submit", this::submit)
                .get("/requests", "web_requests", r -> listing(r, Role.CLINICIAN))
                .get("/inbox", "web_inbox", r -> listing(r, Role.STEWARD))
                .get("/requests/{id}", "web_request", this::one)
                .post("/requests/{id}/decision", "web_request_decide", this::decide)
                .post("/requests/{id}/amend", "web_request_amend", this::amend)
                .post("/requests/{id}/cancel", "web_request_cancel", this::cancel)
                .get("/grants", "web_grants", r -> grants(r, Optional.empty(), 200))
                .post("/grants", "web_grant_create", this::createGrant)
                .post("/grants/{id}/revoke", "web_grant_revoke", this::revokeGrant)
                .get("/access-history", "web_access_history", this::history);
    }

    /** A page's work, which the hub may refuse. */
    private interface Work {
        HttpResponse run(Caller caller) throws HubAccess.Refused;
    }

    private HttpResponse guarded(HttpRequest request, Role role, boolean form, Work work) {
        Caller caller = request.user().orElseThrow();
        Frame frame = web.frame(request, -1);
        if (!caller.has(role)) {
            return web.page(403, "error", new Pages.Error(frame, 403, frame.m().lookup("error.forbidden"),
                    frame.m().format("access.needs_role", frame.m().lookup("role." + role.spelling()))));
        }
        if (form && !web.csrfOk(request)) {
            return web.refusedForm(request);
        }
        try {
            return work.run(caller);
        } catch (HubAccess.Refused e) {
            return web.page(e.httpStatus(), "error", new Pages.Error(frame, e.httpStatus(), frame.m().lookup("access.refused"), e.getMessage()));
        }
    }

    // ---- the clinician's side

    HttpResponse form(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.CLINICIAN, false, caller -> {
            if (!Identifiers.isRecordId(id)) {
                return web.error(request, 400, "id: not a record id");
            }
            return web.page(200, "request_form", new AccessPage.Form(web.frame(request, -1), id, newClientId(), "", "", Optional.empty()));
        });
    }

    HttpResponse submit(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.CLINICIAN, true, caller -> {
            String episode = field(request, "episode");
            String justification = field(request, "justification");
            String clientId = field(request, "client_request_id");
            if (episode.isBlank() || justification.isBlank()) {
                Frame frame = web.frame(request, -1);
                return web.page(400, "request_form", new AccessPage.Form(frame, id, clientId.isBlank() ? newClientId() : clientId, episode,
                        justification, Optional.of(frame.m().lookup("access.form_incomplete"))));
            }
            AccessRequestView made = hub.call(caller, Role.CLINICIAN, c -> c.hub().submit(SubmitRequest.newBuilder().setUser(c.user())
                    .setRecordId(id).setPurpose("DUO:0000043").setEpisode(episode).setJustification(justification)
                    .setClientRequestId(clientId).build()));
            return HttpResponse.redirect("/requests/" + made.getId());
        });
    }

    HttpResponse listing(HttpRequest request, Role role) {
        return guarded(request, role, false, caller -> {
            Frame frame = web.frame(request, -1);
            Messages m = frame.m();
            List<AccessRequestView> all = new ArrayList<>(hub.call(caller, role,
                    c -> c.hub().listRequests(ListRequestsRequest.newBuilder().setUser(c.user()).build())).getRequestsList());
            // Newest first; in the inbox, those waiting for a decision before the rest.
            all.sort((a, b) -> number(b.getId()) < number(a.getId()) ? -1 : number(b.getId()) == number(a.getId()) ? 0 : 1);
            if (role == Role.STEWARD) {
                all.sort((a, b) -> Boolean.compare(!a.getState().equals("submitted"), !b.getState().equals("submitted")));
            }
            List<AccessPage.Row> rows = all.stream().map(r -> new AccessPage.Row(r.getId(), "/requests/" + r.getId(), r.getState(),
                    m.lookup("access.state." + r.getState()), r.getRecordId(), r.getRequester() + " (" + m.value("owner_region", r.getRequesterRegion()) + ")",
                    r.getHistoryCount() == 0 ? "" : when(m, r.getHistory(r.getHistoryCount() - 1).getAt()))).toList();
            boolean inbox = role == Role.STEWARD;
            return web.page(200, "requests", new AccessPage.Listing(frame, m.lookup(inbox ? "access.inbox" : "access.mine"),
                    m.lookup(inbox ? "access.inbox_intro" : "access.mine_intro"), rows, inbox ? "inbox" : "mine"));
        });
    }

    HttpResponse one(HttpRequest request) {
        String id = request.pathParameter("id");
        Caller caller = request.user().orElseThrow();
        Role role = caller.has(Role.STEWARD) ? Role.STEWARD : Role.CLINICIAN;
        return guarded(request, role, false, c -> {
            AccessRequestView r;
            Role as = role;
            try {
                r = get(c, role, id);
            } catch (HubAccess.Refused e) {
                if (role != Role.STEWARD || !c.has(Role.CLINICIAN) || (e.httpStatus() != 403 && e.httpStatus() != 404)) {
                    throw e;
                }
                as = Role.CLINICIAN; // a steward who also asks for working copies: perhaps their own request, at another region
                r = get(c, Role.CLINICIAN, id);
            }
            Frame frame = web.frame(request, -1);
            Messages m = frame.m();
            List<AccessPage.Event> history = r.getHistoryList().stream().map(e -> event(m, e)).toList();
            boolean mine = r.getRequester().equals(c.name()) && c.has(Role.CLINICIAN);
            boolean steward = as == Role.STEWARD && r.getOwnerRegion().equals(frame.region()) && !mine;
            return web.page(200, "request", new AccessPage.One(frame, r.getId(), r.getState(), m.lookup("access.state." + r.getState()),
                    r.getRecordId(), "/records/" + r.getRecordId(), m.value("owner_region", r.getOwnerRegion()),
                    r.getRequester() + " (" + m.value("owner_region", r.getRequesterRegion()) + ", " + r.getRequesterSpoke() + ")",
                    m.lookup("access.purpose_care"), r.getEpisode(), r.getJustification(), r.getGrantId(),
                    r.getExpires().isEmpty() ? "" : when(m, r.getExpires()), history,
                    steward && r.getState().equals("submitted"), mine && r.getState().equals("returned"),
                    mine && (r.getState().equals("submitted") || r.getState().equals("returned"))));
        });
    }

    private AccessRequestView get(Caller caller, Role role, String id) throws HubAccess.Refused {
        return hub.call(caller, role, c -> c.hub().getRequest(GetRequestRequest.newBuilder().setUser(c.user()).setRequestId(id).build()));
    }

    HttpResponse amend(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.CLINICIAN, true, caller -> {
            hub.call(caller, Role.CLINICIAN, c -> c.hub().amend(dk.spejl.wire.AmendRequest.newBuilder().setUser(c.user()).setRequestId(id)
                    .setEpisode(field(request, "episode")).setJustification(field(request, "justification")).build()));
            return HttpResponse.redirect("/requests/" + id);
        });
    }

    HttpResponse cancel(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.CLINICIAN, true, caller -> {
            hub.call(caller, Role.CLINICIAN, c -> c.hub().cancel(CancelRequest.newBuilder().setUser(c.user()).setRequestId(id).build()));
            return HttpResponse.redirect("/requests/" + id);
        });
    }

    // ---- the stewards' side

    HttpResponse decide(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.STEWARD, true, caller -> {
            DecideRequest.Decision decision = switch (field(request, "decision")) {
                case "approve" -> DecideRequest.Decision.APPROVE;
                case "deny" -> DecideRequest.Decision.DENY;
                case "return" -> DecideRequest.Decision.RETURN;
                default -> DecideRequest.Decision.DECISION_UNSPECIFIED;
            };
            hub.call(caller, Role.STEWARD, c -> c.hub().decide(DecideRequest.newBuilder().setUser(c.user()).setRequestId(id)
                    .setDecision(decision).setReason(field(request, "reason")).build()));
            return HttpResponse.redirect("/requests/" + id);
        });
    }

    HttpResponse grants(HttpRequest request, Optional<String> error, int status) {
        return guarded(request, Role.STEWARD, false, caller -> {
            Frame frame = web.frame(request, -1);
            Messages m = frame.m();
            List<AccessPage.GrantRow> rows = hub.call(caller, Role.STEWARD,
                    c -> c.hub().listGrants(ListGrantsRequest.newBuilder().setUser(c.user()).build())).getGrantsList().stream()
                    .map(g -> grantRow(m, g)).toList();
            return web.page(status, "grants", new AccessPage.Grants(frame, rows,
                    REGIONS.stream().filter(r -> !r.equals(frame.region())).toList(), error));
        });
    }

    HttpResponse createGrant(HttpRequest request) {
        return guarded(request, Role.STEWARD, true, caller -> {
            Instant from = Instant.now();
            Instant to;
            try {
                to = LocalDate.parse(field(request, "valid_to")).plusDays(1).atStartOfDay(DENMARK).toInstant();
            } catch (DateTimeParseException e) {
                return grants(request, Optional.of(web.frame(request, -1).m().lookup("access.grant_bad_date")), 400);
            }
            CreateGrantRequest.Builder g = CreateGrantRequest.newBuilder().setGranteeRegion(field(request, "grantee_region"))
                    .setGranteeUser(field(request, "grantee_user")).addAllRecordIds(list(field(request, "record_ids")))
                    .addAllOwnerUnits(list(field(request, "owner_units"))).addAllFileFormats(values(request, "file_format"))
                    .addAllFileRoles(values(request, "file_role")).addAllSampleKinds(values(request, "sample_kind"))
                    .setPurpose("DUO:0000043").setValidFrom(from.toString()).setValidTo(to.toString()).setReason(field(request, "reason"));
            try {
                hub.call(caller, Role.STEWARD, c -> c.hub().createGrant(g.setUser(c.user()).build()));
            } catch (HubAccess.Refused e) {
                return grants(request, Optional.of(e.getMessage()), e.httpStatus());
            }
            return HttpResponse.redirect("/grants");
        });
    }

    HttpResponse revokeGrant(HttpRequest request) {
        String id = request.pathParameter("id");
        return guarded(request, Role.STEWARD, true, caller -> {
            hub.call(caller, Role.STEWARD, c -> c.hub().revokeGrant(RevokeGrantRequest.newBuilder().setUser(c.user()).setGrantId(id)
                    .setReason(field(request, "reason")).build()));
            return HttpResponse.redirect("/grants");
        });
    }

    HttpResponse history(HttpRequest request) {
        return guarded(request, Role.STEWARD, false, caller -> {
            Frame frame = web.frame(request, -1);
            Messages m = frame.m();
            try {
                List<AccessFeed.Entry> ours = new ArrayList<>();
                List<JsonNode> parsed = new ArrayList<>();
                for (AccessFeed.Entry e : feed.entries()) {
                    JsonNode json = JSON.readTree(e.bytes());
                    if (frame.region().equals(json.path("owner").asText()) || json.path("action").asText().startsWith("GRANT")
                            && frame.region().equals(json.path("region").asText())) {
                        ours.add(e);
                        parsed.add(json);
                    }
                }
                List<AccessFeed.Proof> proofs;
                try {
                    proofs = feed.check(ours, witness.held());
                } catch (IOException hubAway) {
                    proofs = java.util.Collections.nCopies(ours.size(), AccessFeed.Proof.UNCHECKED); // what is held is shown all the same
                }
                List<AccessPage.HistoryRow> rows = new ArrayList<>();
                for (int i = ours.size() - 1; i >= 0; i--) {
                    JsonNode e = parsed.get(i);
                    String proof = proofs.get(i).name().toLowerCase(java.util.Locale.ROOT);
                    rows.add(new AccessPage.HistoryRow(m.number(ours.get(i).index()), when(m, e.path("at").asText()),
                            m.lookup("access.action." + e.path("action").asText().toLowerCase(java.util.Locale.ROOT)),
                            e.path("user").asText() + " (" + m.value("owner_region", e.path("region").asText()) + ")",
                            e.path("request").asText(e.path("action").asText().equals("SUBMIT") ? "req-" + ours.get(i).index()
                                    : e.path("grant").asText("")), e.path("record").asText(""), e.path("outcome").asText("").toLowerCase(java.util.Locale.ROOT),
                            proof, m.lookup("access.proof." + proof)));
                }
                String witnessed = witness.held().map(c -> m.format("access.witnessed", m.number(c.size()))).orElse(m.lookup("access.not_witnessed"));
                return web.page(200, "access_history", new AccessPage.History(frame, witnessed, witness.alarm(), rows));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    // ---- helpers

    private static AccessPage.Event event(Messages m, AccessEventView e) {
        return new AccessPage.Event(when(m, e.getAt()), m.lookup("access.action." + e.getAction()),
                e.getUser() + " (" + m.lookup("role." + e.getRole()) + ", " + m.value("owner_region", e.getRegion()) + ")", e.getReason());
    }

    private static AccessPage.GrantRow grantRow(Messages m, GrantView g) {
        String grantee = m.value("owner_region", g.getGranteeRegion()) + (g.getGranteeUser().isEmpty() ? "" : ": " + g.getGranteeUser());
        List<String> scope = new ArrayList<>();
        if (g.getRecordIdsCount() > 0) {
            scope.add(String.join(", ", g.getRecordIdsList()));
        }
        g.getFileFormatsList().forEach(v -> scope.add(m.value("file_format", v)));
        g.getFileRolesList().forEach(v -> scope.add(m.value("file_role", v)));
        g.getSampleKindsList().forEach(v -> scope.add(m.value("sample_kind", v)));
        g.getOwnerUnitsList().forEach(scope::add);
        return new AccessPage.GrantRow(g.getId(), grantee, scope.isEmpty() ? m.lookup("access.grant_all") : String.join(", ", scope),
                when(m, g.getValidFrom()) + " – " + when(m, g.getValidTo()), g.getMadeBy(), g.getReason(), g.getRevoked(),
                g.getRevoked() ? m.format("access.grant_revoked", when(m, g.getRevokedAt()), g.getRevokedBy()) : "");
    }

    private static String when(Messages m, String iso) {
        try {
            return m.time(Instant.parse(iso));
        } catch (DateTimeParseException e) {
            return iso;
        }
    }

    private static long number(String id) {
        try {
            return Long.parseLong(id.substring(id.indexOf('-') + 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String field(HttpRequest request, String name) {
        return request.formField(name).orElse("").trim();
    }

    private static List<String> values(HttpRequest request, String name) {
        return request.form().getOrDefault(name, List.of()).stream().filter(v -> !v.isBlank()).toList();
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split("[,\\s]+")).filter(v -> !v.isBlank()).toList();
    }

    private static String newClientId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "web-" + HexFormat.of().formatHex(b);
    }
}
