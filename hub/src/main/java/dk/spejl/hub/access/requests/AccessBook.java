package dk.spejl.hub.access.requests;

import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.access.requests.AccessException.Reason;
import dk.spejl.hub.access.requests.AccessRequest.State;
import dk.spejl.hub.access.requests.AuditEntry.Action;
import dk.spejl.hub.catalogue.CprDetector;
import dk.spejl.log.MerkleLog;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.Record;
import dk.spejl.wire.Status;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Requests for working copies, the owners' grants and their decisions (docs/design.md, "The access model"). Every
 * action, and every refusal, is appended to the audit log, durably, before it takes effect; the log's entries are the
 * book's only store, and replaying them gives back its state. The actor's region is the one its spoke's certificate
 * names; the role is the one the spoke asserts for its user.
 */
public final class AccessBook {
    /** The one purpose a working copy is handed out for: GA4GH DUO "clinical care use". */
    public static final String CLINICAL_CARE = "DUO:0000043";
    static final int MAX_TEXT = 2_000;
    static final int MAX_REFERENCE = 128;
    /** Who expires approvals. */
    static final Actor HUB = new Actor("spejl-hub", Actor.Role.ADMIN, "NGC", "hub");

    /** Whether the owner region's own clinicians are approved without a steward, and how long an approval lasts. */
    public record Policy(boolean approveOwnRegion, Duration approvalLifetime) {
        public static final Policy DEFAULT = new Policy(true, Duration.ofDays(30));
    }

    /** The hub's catalogue as the book reads it: the record with this id, if there is one. */
    public interface Catalogue {
        Optional<Record> record(String id) throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MerkleLog log;
    private final Catalogue catalogue;
    private final Policy policy;
    private final Clock clock;
    private final AccessState state = new AccessState();
    private final Map<String, AccessRequest> requests = state.requests;
    private final Map<String, Grant> grants = state.grants;
    private final Map<String, String> submitted = state.submitted;

    private AccessBook(MerkleLog log, Catalogue catalogue, Policy policy, Clock clock) {
        this.log = log;
        this.catalogue = catalogue;
        this.policy = policy;
        this.clock = clock;
    }

    /** The book the log's entries make. */
    public static AccessBook open(MerkleLog log, Catalogue catalogue, Policy policy, Clock clock) throws IOException {
        AccessBook book = new AccessBook(log, catalogue, policy, clock);
        for (long i = 0; i < log.size(); i++) {
            byte[] bytes = log.entry(i).orElseThrow(() -> new IOException("the access log has no entry where its size says"));
            book.state.apply(i, JSON.readValue(bytes, AuditEntry.class));
        }
        return book;
    }

    // ---- Requests

    /** A clinician asks for a working copy of {@code recordId}; a retry with the same client request id gets the same request. */
    public synchronized AccessRequest submit(Actor who, String recordId, String purpose, String episode, String justification,
                                             String clientRequestId) throws AccessException, IOException {
        AuditEntry.Builder refusal = AuditEntry.by(who, Action.REFUSE, clock.instant()).record(safe(recordId), null, null)
                .why(safe(purpose), null, null).clientRequestId(safe(clientRequestId)).outcome("submit refused");
        require(refusal, who.role() == Actor.Role.CLINICIAN, Reason.FORBIDDEN, "only a clinician requests a working copy");
        require(refusal, text(clientRequestId, MAX_REFERENCE), Reason.INVALID, "client_request_id is required (at most " + MAX_REFERENCE + " characters)");
        String earlier = submitted.get(AccessState.key(who, clientRequestId));
        if (earlier != null) {
            AccessRequest request = requests.get(earlier);
            require(refusal, request.recordId().equals(recordId), Reason.CONFLICT,
                    "client_request_id " + shown(clientRequestId) + " was used for a request for another record");
            return request;
        }
        require(refusal, CLINICAL_CARE.equals(purpose), Reason.INVALID, "purpose must be " + CLINICAL_CARE + " (clinical care use)");
        checkWhy(refusal, episode, justification);
        Optional<Record> found = catalogue.record(recordId);
        require(refusal, found.isPresent(), Reason.NOT_FOUND, "no record " + shown(recordId) + " in the catalogue");
        Record record = found.get();
        refusal.record(recordId, record.getOwnerRegion(), sha256(record));
        require(refusal, record.getStatus() != Status.WITHDRAWN, Reason.CONFLICT, "record " + recordId + " is withdrawn");
        Instant now = clock.instant();
        // The submit and its decision, when a grant or the owner policy makes it, are one entry: no crash can leave
        // a request that a grant covers waiting in the inbox.
        AuditEntry.Builder submit = AuditEntry.by(who, Action.SUBMIT, now).record(recordId, record.getOwnerRegion(), sha256(record))
                .why(purpose, episode, justification).clientRequestId(clientRequestId).outcome(State.SUBMITTED.name());
        Optional<Grant> covering = grants.values().stream().filter(g -> g.covers(who, record, purpose, now)).findFirst();
        if (covering.isPresent()) {
            Grant g = covering.get();
            submit.grant(g.id()).expires(now.plus(g.approvalLifetime())).reason("approved by grant " + g.id()).outcome(State.APPROVED.name());
        } else if (policy.approveOwnRegion() && who.region().equals(record.getOwnerRegion())) {
            submit.expires(now.plus(policy.approvalLifetime())).reason("approved by the owner policy: a clinician of the owner region")
                    .outcome(State.APPROVED.name());
        }
        return requests.get(AccessState.requestId(append(submit.build())));
    }

    /** The owner's steward approves a submitted request. */
    public synchronized AccessRequest approve(Actor who, String requestId) throws AccessException, IOException {
        AccessRequest r = decidable(who, requestId, "approve");
        Optional<Record> record = catalogue.record(r.recordId());
        require(refusal(who, "approve", r), record.isPresent() && record.get().getStatus() != Status.WITHDRAWN, Reason.CONFLICT,
                "record " + r.recordId() + " has been withdrawn since it was requested");
        Instant now = clock.instant();
        append(entry(who, Action.APPROVE, r).expires(now.plus(policy.approvalLifetime())).outcome(State.APPROVED.name()).build());
        return requests.get(requestId);
    }

    /** The owner's steward denies a submitted request, for a reason the requester sees. */
    public synchronized AccessRequest deny(Actor who, String requestId, String reason) throws AccessException, IOException {
        AccessRequest r = decidable(who, requestId, "deny");
        checkReason(refusal(who, "deny", r), reason, "a reason is required to deny");
        append(entry(who, Action.DENY, r).reason(reason).outcome(State.DENIED.name()).build());
        return requests.get(requestId);
    }

    /** The owner's steward asks the requester for more; the requester may amend and resubmit. */
    public synchronized AccessRequest returnToRequester(Actor who, String requestId, String reason) throws AccessException, IOException {
        AccessRequest r = decidable(who, requestId, "return");
        checkReason(refusal(who, "return", r), reason, "say what more is needed");
        append(entry(who, Action.RETURN, r).reason(reason).outcome(State.RETURNED.name()).build());
        return requests.get(requestId);
    }

    /** The requester amends a returned request, which goes back to the owner's inbox. */
    public synchronized AccessRequest amend(Actor who, String requestId, String episode, String justification) throws AccessException, IOException {
        AuditEntry.Builder refusal = refusal(who, "amend", requestId);
        AccessRequest r = own(who, requestId, refusal);
        require(refusal, r.state() == State.RETURNED, Reason.CONFLICT, "request " + requestId + " is " + name(r.state()) + ", not returned");
        checkWhy(refusal, episode, justification);
        append(entry(who, Action.AMEND, r).why(r.purpose(), episode, justification).outcome(State.SUBMITTED.name()).build());
        return requests.get(requestId);
    }

    /** The requester withdraws a request the owner has not approved or denied. */
    public synchronized AccessRequest cancel(Actor who, String requestId) throws AccessException, IOException {
        AuditEntry.Builder refusal = refusal(who, "cancel", requestId);
        AccessRequest r = own(who, requestId, refusal);
        require(refusal, r.state() == State.SUBMITTED || r.state() == State.RETURNED, Reason.CONFLICT,
                "request " + requestId + " is " + name(r.state()) + "; only a submitted or returned request can be cancelled");
        append(entry(who, Action.CANCEL, r).outcome(State.CANCELLED.name()).build());
        return requests.get(requestId);
    }

    /** Expires every approval whose time is up; how many. */
    public synchronized int expire() throws IOException {
        Instant now = clock.instant();
        List<AccessRequest> due = requests.values().stream()
                .filter(r -> r.state() == State.APPROVED && r.expires().map(e -> !e.isAfter(now)).orElse(false)).toList();
        for (AccessRequest r : due) {
            append(entry(HUB, Action.EXPIRE, r).reason("the approval's time is up").outcome(State.EXPIRED.name()).build());
        }
        return due.size();
    }

    /** The request, if {@code who} may see it. */
    public synchronized AccessRequest show(Actor who, String requestId) throws AccessException, IOException {
        AccessRequest r = requests.get(requestId);
        AuditEntry.Builder refusal = r == null ? refusal(who, "show", requestId) : refusal(who, "show", r);
        require(refusal, r != null, Reason.NOT_FOUND, "no request " + shown(requestId));
        require(refusal, visible(who, r), Reason.FORBIDDEN, "request " + requestId + " is not yours to see");
        return r;
    }

    /**
     * The requests {@code who} may see, oldest first: a clinician their own, a steward every request for their region's
     * records, an admin every request made from their spoke.
     */
    public synchronized List<AccessRequest> requests(Actor who) {
        return requests.values().stream().filter(r -> visible(who, r)).toList();
    }

    /** Every request, for the hub's operators. */
    public synchronized List<AccessRequest> requests() {
        return List.copyOf(requests.values());
    }

    // ---- Grants

    /** A steward grants access to their region's records. */
    public synchronized Grant grant(Actor who, AuditEntry.GrantTerms terms, String purpose, String reason) throws AccessException, IOException {
        AuditEntry.Builder refusal = AuditEntry.by(who, Action.REFUSE, clock.instant()).why(safe(purpose), null, null).outcome("grant refused");
        require(refusal, who.role() == Actor.Role.STEWARD, Reason.FORBIDDEN, "only a steward of the owner region grants access");
        require(refusal, terms != null, Reason.INVALID, "a grant needs its terms");
        require(refusal, CLINICAL_CARE.equals(purpose), Reason.INVALID, "purpose must be " + CLINICAL_CARE + " (clinical care use)");
        require(refusal, text(terms.granteeRegion(), MAX_REFERENCE) && CprDetector.find(terms.granteeRegion()).isEmpty(), Reason.INVALID,
                "grantee_region is required (a region's name)");
        for (String instant : java.util.Arrays.asList(terms.validFrom(), terms.validTo())) {
            require(refusal, text(instant, 40) && CprDetector.find(instant).isEmpty(), Reason.INVALID,
                    "valid_from and valid_to must be instants such as 2027-01-01T00:00:00Z");
        }
        require(refusal, terms.granteeUser() == null || (text(terms.granteeUser(), MAX_REFERENCE) && CprDetector.find(terms.granteeUser()).isEmpty()), Reason.INVALID,
                "grantee_user, when given, names one user (at most " + MAX_REFERENCE + " characters)");
        for (String value : values(terms)) {
            require(refusal, text(value, MAX_REFERENCE) && CprDetector.find(value).isEmpty(), Reason.INVALID,
                    "a scope value is empty, too long or looks like a CPR number");
        }
        for (String format : AccessState.orEmpty(terms.fileFormats())) {
            require(refusal, FORMATS.contains(format), Reason.INVALID, "file_format " + shown(format) + " is not one of " + FORMATS);
        }
        for (String kind : AccessState.orEmpty(terms.sampleKinds())) {
            require(refusal, KINDS.contains(kind), Reason.INVALID, "sample_kind " + shown(kind) + " is not one of " + KINDS);
        }
        refusal.terms(terms);
        Grant.Scope scope = AccessState.scope(terms);
        require(refusal, !scope.empty(), Reason.INVALID, "a grant needs a scope: record ids, or owner units, file formats, file roles or sample kinds");
        for (String id : scope.recordIds()) {
            Optional<Record> listed = catalogue.record(id);
            require(refusal, listed.isPresent(), Reason.NOT_FOUND, "no record " + shown(id) + " in the catalogue");
            require(refusal, listed.get().getOwnerRegion().equals(who.region()), Reason.FORBIDDEN,
                    "record " + id + " belongs to " + listed.get().getOwnerRegion() + "; only its stewards grant access to it");
        }
        Instant from;
        Instant to;
        try {
            from = Instant.parse(terms.validFrom());
            to = Instant.parse(terms.validTo());
        } catch (RuntimeException e) {
            refuse(refusal, Reason.INVALID, "valid_from and valid_to must be instants such as 2027-01-01T00:00:00Z");
            return null;
        }
        require(refusal, to.isAfter(from), Reason.INVALID, "valid_to must be after valid_from");
        require(refusal, to.isAfter(clock.instant()), Reason.INVALID, "valid_to is already past");
        require(refusal, terms.approvalDays() >= 1 && terms.approvalDays() <= 365, Reason.INVALID, "approval_days must be 1 to 365");
        checkReason(refusal, reason, "say why the grant is made");
        long index = append(AuditEntry.by(who, Action.GRANT, clock.instant()).terms(terms).why(purpose, null, null).reason(reason)
                .outcome("granted").build());
        return grants.get(AccessState.grantId(index));
    }

    /** A steward of the owner region revokes a grant, and with it the approvals it made that are not delivered. */
    public synchronized Grant revokeGrant(Actor who, String grantId, String reason) throws AccessException, IOException {
        AuditEntry.Builder refusal = AuditEntry.by(who, Action.REFUSE, clock.instant()).grant(safe(grantId)).outcome("grant revocation refused");
        Grant g = grants.get(grantId);
        require(refusal, g != null, Reason.NOT_FOUND, "no grant " + shown(grantId));
        require(refusal, who.role() == Actor.Role.STEWARD && who.region().equals(g.ownerRegion()), Reason.FORBIDDEN,
                "only a steward of " + g.ownerRegion() + " revokes its grants");
        require(refusal, g.revoked().isEmpty(), Reason.CONFLICT, "grant " + grantId + " is already revoked");
        checkReason(refusal, reason, "say why the grant is revoked");
        // One entry revokes the grant and the approvals it made that are not delivered: no crash can split them.
        append(AuditEntry.by(who, Action.GRANT_REVOKE, clock.instant()).grant(grantId).why(g.purpose(), null, null).reason(reason)
                .granteeRegion(g.granteeRegion()).outcome("revoked, with its approvals not delivered").build());
        return grants.get(grantId);
    }

    /** The grants {@code who} may see: a steward their region's, anyone else those that name their region. */
    public synchronized List<Grant> grants(Actor who) {
        return grants.values().stream().filter(g -> who.role() == Actor.Role.STEWARD ? g.ownerRegion().equals(who.region())
                : g.granteeRegion().equals(who.region())).toList();
    }

    /** Every grant, for the hub's operators. */
    public synchronized List<Grant> grants() {
        return List.copyOf(grants.values());
    }

    // ---- The log, and the state its entries make

    private long append(AuditEntry entry) throws IOException {
        long index = log.append(JSON.writeValueAsBytes(entry)); // durable before it takes effect
        state.apply(index, entry);
        return index;
    }

    // ---- Checks

    private AccessRequest decidable(Actor who, String requestId, String action) throws AccessException, IOException {
        AccessRequest r = requests.get(requestId);
        AuditEntry.Builder refusal = r == null ? refusal(who, action, requestId) : refusal(who, action, r);
        require(refusal, r != null, Reason.NOT_FOUND, "no request " + shown(requestId));
        require(refusal, who.role() == Actor.Role.STEWARD, Reason.FORBIDDEN, "only a steward of the owner region decides requests");
        require(refusal, who.region().equals(r.ownerRegion()), Reason.FORBIDDEN,
                "request " + requestId + " is for a record of " + r.ownerRegion() + "; only its stewards decide it");
        require(refusal, !r.requester().same(who), Reason.FORBIDDEN, "request " + requestId + " is your own: another steward decides it");
        require(refusal, r.state().undecided(), Reason.CONFLICT, "request " + requestId + " is already " + name(r.state()));
        return r;
    }

    private AccessRequest own(Actor who, String requestId, AuditEntry.Builder refusal) throws AccessException, IOException {
        AccessRequest r = requests.get(requestId);
        require(refusal, r != null, Reason.NOT_FOUND, "no request " + shown(requestId));
        refusal.record(r.recordId(), r.ownerRegion(), r.checksum()).why(r.purpose(), null, null);
        require(refusal, who.role() == Actor.Role.CLINICIAN && r.requester().same(who), Reason.FORBIDDEN,
                "request " + requestId + " is not yours");
        return r;
    }

    private static boolean visible(Actor who, AccessRequest r) {
        return switch (who.role()) {
            case CLINICIAN -> r.requester().same(who);
            case STEWARD -> r.ownerRegion().equals(who.region());
            case ADMIN -> r.requester().spoke().equals(who.spoke()) && r.requester().region().equals(who.region());
        };
    }

    private void checkWhy(AuditEntry.Builder refusal, String episode, String justification) throws AccessException, IOException {
        require(refusal, text(episode, MAX_REFERENCE), Reason.INVALID, "episode (the treatment-episode reference) is required, at most " + MAX_REFERENCE + " characters");
        require(refusal, CprDetector.find(episode).isEmpty(), Reason.INVALID,
                "episode looks like a CPR number: give the treatment episode's reference, never the patient's number");
        require(refusal, text(justification, MAX_TEXT), Reason.INVALID, "justification is required, at most " + MAX_TEXT + " characters");
        require(refusal, CprDetector.find(justification).isEmpty(), Reason.INVALID, "justification holds what looks like a CPR number");
    }

    private void require(AuditEntry.Builder refusal, boolean ok, Reason reason, String message) throws AccessException, IOException {
        if (!ok) {
            refuse(refusal, reason, message);
        }
    }

    /** Logs the refusal (without the values that were refused, which may be what should never be stored), then throws. */
    private void refuse(AuditEntry.Builder refusal, Reason reason, String message) throws AccessException, IOException {
        refusal.episode = null;
        refusal.justification = null;
        append(refusal.reason(reason.name().toLowerCase(java.util.Locale.ROOT) + ": " + message).build());
        throw new AccessException(reason, message);
    }

    private AuditEntry.Builder refusal(Actor who, String action, String requestId) {
        return AuditEntry.by(who, Action.REFUSE, clock.instant()).request(safe(requestId)).outcome(action + " refused");
    }

    private AuditEntry.Builder refusal(Actor who, String action, AccessRequest r) {
        return entry(who, Action.REFUSE, r).outcome(action + " refused");
    }

    private void checkReason(AuditEntry.Builder refusal, String reason, String missing) throws AccessException, IOException {
        require(refusal, text(reason, MAX_TEXT), Reason.INVALID, missing + " (at most " + MAX_TEXT + " characters)");
        require(refusal, CprDetector.find(reason).isEmpty(), Reason.INVALID, "the reason holds what looks like a CPR number");
    }

    /** A value as a message (which the log keeps) may repeat it. */
    private static String shown(String value) {
        String safe = safe(value);
        return safe != null ? safe : value == null ? "(none)" : "(a value that looks like a CPR number)";
    }

    /** A refused value as the log may keep it: short, and never what looks like a CPR number. */
    private static String safe(String value) {
        if (value == null || CprDetector.find(value).isPresent()) {
            return null;
        }
        return value.length() <= MAX_REFERENCE ? value : value.substring(0, MAX_REFERENCE) + "…";
    }

    private AuditEntry.Builder entry(Actor who, Action action, AccessRequest r) {
        return AuditEntry.by(who, action, clock.instant()).request(r.id()).record(r.recordId(), r.ownerRegion(), r.checksum())
                .why(r.purpose(), null, null).grant(r.grant().orElse(null)).requesterRegion(r.requester().region());
    }


    /** File formats and sample kinds as ingest spells them. */
    static final java.util.Set<String> FORMATS = java.util.Set.of("fastq", "ubam", "cram", "vcf", "gvcf");
    static final java.util.Set<String> KINDS = java.util.Set.of("germline", "tumour", "cfdna");

    private static List<String> values(AuditEntry.GrantTerms t) {
        List<String> all = new ArrayList<>();
        all.addAll(AccessState.orEmpty(t.recordIds()));
        all.addAll(AccessState.orEmpty(t.ownerUnits()));
        all.addAll(AccessState.orEmpty(t.fileFormats()));
        all.addAll(AccessState.orEmpty(t.fileRoles()));
        all.addAll(AccessState.orEmpty(t.sampleKinds()));
        return all;
    }


    private static boolean text(String value, int max) {
        return value != null && !value.isBlank() && value.length() <= max;
    }

    private static String sha256(Record r) {
        return r.getChecksumsList().stream().filter(c -> c.getType().equals("sha-256")).map(Checksum::getValue).findFirst().orElse(null);
    }

    private static String name(State state) {
        return state.name().toLowerCase(java.util.Locale.ROOT);
    }



}
