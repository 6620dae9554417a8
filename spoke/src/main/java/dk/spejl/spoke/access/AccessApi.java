package dk.spejl.spoke.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.auth.Role;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;
import dk.spejl.spoke.http.Routes;
import dk.spejl.wire.AmendRequest;
import dk.spejl.wire.CancelRequest;
import dk.spejl.wire.CreateGrantRequest;
import dk.spejl.wire.DecideRequest;
import dk.spejl.wire.GetRequestRequest;
import dk.spejl.wire.ListGrantsRequest;
import dk.spejl.wire.ListRequestsRequest;
import dk.spejl.wire.RevokeGrantRequest;
import dk.spejl.wire.SubmitRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The spoke's working-copy API, JSON in and out, passed to the hub for the signed-in user. A POST must say
 * {@code Content-Type: application/json}: a browser sends that cross-site only after a CORS preflight, which the spoke
 * never grants, so no other site can make a signed-in user's browser submit or decide.
 */
public final class AccessApi {
    static final String CLINICAL_CARE = "DUO:0000043";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    private final HubAccess hub;

    public AccessApi(HubAccess hub) {
        this.hub = hub;
    }

    public Routes register(Routes routes) {
        return routes.post("/api/v1/requests", "access_submit", this::submit)
                .get("/api/v1/requests", "access_list", this::list)
                .get("/api/v1/requests/{id}", "access_show", this::show)
                .post("/api/v1/requests/{id}/decision", "access_decide", this::decide)
                .post("/api/v1/requests/{id}/amend", "access_amend", this::amend)
                .post("/api/v1/requests/{id}/cancel", "access_cancel", this::cancel)
                .get("/api/v1/grants", "access_grants", this::grants)
                .post("/api/v1/grants", "access_grant", this::grant)
                .post("/api/v1/grants/{id}/revoke", "access_revoke", this::revoke);
    }

    /** A handler's work, which may be refused by the hub or by the body's checks. */
    private interface Work {
        MessageOrBuilder run(Caller caller, JsonNode body) throws HubAccess.Refused, BadBody;
    }

    static final class BadBody extends Exception {
        BadBody(String message) {
            super(message);
        }
    }

    private HttpResponse answer(HttpRequest request, Set<String> fields, int created, Work work) {
        Caller caller = request.user().orElse(Caller.ANONYMOUS);
        try {
            JsonNode body = JSON.createObjectNode();
            if (request.method().equals("POST")) {
                if (!request.header("content-type").map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/json")).orElse(false)) {
                    return HttpResponse.error(415, "send the body as JSON, with Content-Type: application/json");
                }
                body = body(request.body(), fields);
            }
            return HttpResponse.text(created, "application/json; charset=utf-8", PRINTER.print(work.run(caller, body)));
        } catch (HubAccess.Refused e) {
            return HttpResponse.error(e.httpStatus(), e.getMessage());
        } catch (BadBody e) {
            return HttpResponse.error(400, e.getMessage());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the hub's answer cannot be printed as JSON", e);
        }
    }

    private static JsonNode body(String text, Set<String> fields) throws BadBody {
        JsonNode body;
        try {
            body = JSON.readTree(text.isEmpty() ? "{}" : text);
        } catch (java.io.IOException e) {
            throw new BadBody("the body is not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (!body.isObject()) {
            throw new BadBody("the body must be a JSON object");
        }
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw new BadBody("unknown field " + name + "; the fields are " + String.join(", ", new java.util.TreeSet<>(fields)));
            }
            JsonNode value = body.get(name);
            if (!(value.isTextual() || value.isNumber() || value.isArray())) {
                throw new BadBody(name + " must be a string, a number or a list of strings");
            }
        }
        return body;
    }

    private static String text(JsonNode body, String field) {
        return body.path(field).isTextual() ? body.path(field).asText() : "";
    }

    private static List<String> texts(JsonNode body, String field) throws BadBody {
        List<String> values = new ArrayList<>();
        JsonNode node = body.path(field);
        if (node.isMissingNode()) {
            return values;
        }
        if (!node.isArray()) {
            throw new BadBody(field + " must be a list of strings");
        }
        for (JsonNode v : node) {
            if (!v.isTextual()) {
                throw new BadBody(field + " must be a list of strings");
            }
            values.add(v.asText());
        }
        return values;
    }

    /** The role a listing is seen in: {@code ?as=}, or the first the caller has of clinician, steward, admin. */
    private static Role viewer(HttpRequest request, Caller caller) throws BadBody {
        if (request.query("as").isPresent()) {
            try {
                return Role.valueOf(request.query("as").get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadBody("as must be clinician, steward or admin");
            }
        }
        for (Role r : List.of(Role.CLINICIAN, Role.STEWARD, Role.ADMIN)) {
            if (caller.has(r)) {
                return r;
            }
        }
        return Role.CLINICIAN;
    }

    HttpResponse submit(HttpRequest request) {
        return answer(request, Set.of("record_id", "purpose", "episode", "justification", "client_request_id"), 201, (caller, body) ->
                hub.call(caller, Role.CLINICIAN, c -> c.hub().submit(SubmitRequest.newBuilder().setUser(c.user())
                        .setRecordId(text(body, "record_id")).setPurpose(body.has("purpose") ? text(body, "purpose") : CLINICAL_CARE)
                        .setEpisode(text(body, "episode")).setJustification(text(body, "justification"))
                        .setClientRequestId(text(body, "client_request_id")).build())));
    }

    HttpResponse list(HttpRequest request) {
        return answer(request, Set.of(), 200, (caller, body) -> hub.call(caller, viewer(request, caller),
                c -> c.hub().listRequests(ListRequestsRequest.newBuilder().setUser(c.user()).build())));
    }

    HttpResponse show(HttpRequest request) {
        return answer(request, Set.of(), 200, (caller, body) -> hub.call(caller, viewer(request, caller),
                c -> c.hub().getRequest(GetRequestRequest.newBuilder().setUser(c.user()).setRequestId(request.pathParameter("id")).build())));
    }

    HttpResponse decide(HttpRequest request) {
        return answer(request, Set.of("decision", "reason"), 200, (caller, body) -> {
            DecideRequest.Decision decision = switch (text(body, "decision")) {
                case "approve" -> DecideRequest.Decision.APPROVE;
                case "deny" -> DecideRequest.Decision.DENY;
                case "return" -> DecideRequest.Decision.RETURN;
                default -> throw new BadBody("decision must be approve, deny or return");
            };
            return hub.call(caller, Role.STEWARD, c -> c.hub().decide(DecideRequest.newBuilder().setUser(c.user())
                    .setRequestId(request.pathParameter("id")).setDecision(decision).setReason(text(body, "reason")).build()));
        });
    }

    HttpResponse amend(HttpRequest request) {
        return answer(request, Set.of("episode", "justification"), 200, (caller, body) -> hub.call(caller, Role.CLINICIAN,
                c -> c.hub().amend(AmendRequest.newBuilder().setUser(c.user()).setRequestId(request.pathParameter("id"))
                        .setEpisode(text(body, "episode")).setJustification(text(body, "justification")).build())));
    }

    HttpResponse cancel(HttpRequest request) {
        return answer(request, Set.of(), 200, (caller, body) -> hub.call(caller, Role.CLINICIAN,
                c -> c.hub().cancel(CancelRequest.newBuilder().setUser(c.user()).setRequestId(request.pathParameter("id")).build())));
    }

    HttpResponse grants(HttpRequest request) {
        return answer(request, Set.of(), 200, (caller, body) -> hub.call(caller, viewer(request, caller),
                c -> c.hub().listGrants(ListGrantsRequest.newBuilder().setUser(c.user()).build())));
    }

    HttpResponse grant(HttpRequest request) {
        return answer(request, Set.of("grantee_region", "grantee_user", "record_ids", "owner_units", "file_formats", "file_roles",
                "sample_kinds", "purpose", "valid_from", "valid_to", "approval_days", "reason"), 201, (caller, body) -> {
            int days = body.path("approval_days").isInt() ? body.path("approval_days").asInt() : 0;
            if (body.has("approval_days") && (!body.path("approval_days").isInt() || days < 1)) {
                throw new BadBody("approval_days must be a whole number of days, at least 1");
            }
            CreateGrantRequest.Builder g = CreateGrantRequest.newBuilder().setGranteeRegion(text(body, "grantee_region"))
                    .setGranteeUser(text(body, "grantee_user")).addAllRecordIds(texts(body, "record_ids"))
                    .addAllOwnerUnits(texts(body, "owner_units")).addAllFileFormats(texts(body, "file_formats"))
                    .addAllFileRoles(texts(body, "file_roles")).addAllSampleKinds(texts(body, "sample_kinds"))
                    .setPurpose(body.has("purpose") ? text(body, "purpose") : CLINICAL_CARE).setValidFrom(text(body, "valid_from"))
                    .setValidTo(text(body, "valid_to")).setApprovalDays(days).setReason(text(body, "reason"));
            return hub.call(caller, Role.STEWARD, c -> c.hub().createGrant(g.setUser(c.user()).build()));
        });
    }

    HttpResponse revoke(HttpRequest request) {
        return answer(request, Set.of("reason"), 200, (caller, body) -> hub.call(caller, Role.STEWARD,
                c -> c.hub().revokeGrant(RevokeGrantRequest.newBuilder().setUser(c.user()).setGrantId(request.pathParameter("id"))
                        .setReason(text(body, "reason")).build())));
    }
}
