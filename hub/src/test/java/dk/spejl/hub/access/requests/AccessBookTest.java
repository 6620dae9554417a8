package dk.spejl.hub.access.requests;

import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.hub.access.requests.AccessException.Reason;
import dk.spejl.hub.access.requests.AccessRequest.State;
import dk.spejl.hub.access.requests.Actor.Role;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.Ed25519;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.Record;
import dk.spejl.wire.SampleKind;
import dk.spejl.wire.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dk.spejl.hub.access.requests.AccessBook.CLINICAL_CARE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The access book's rules, against a small hand-made catalogue and a real audit log in a temporary directory. */
class AccessBookTest {
    static final String OWNER = "hovedstaden";
    static final String OTHER = "syddanmark";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Ed25519.PrivateKey KEY = Ed25519.generate(new SecureRandom());

    @TempDir
    Path dir;
    private MerkleLog log;
    private AccessBook book;
    private MutableClock clock;
    private final Map<String, Record> catalogue = new java.util.HashMap<>();

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static Record record(String id, String owner, String unit, FileFormat format, Status status) {
        return Record.newBuilder().setId(id).setOwnerRegion(owner).setOwnerUnit(unit).setFileFormat(format).setFileRole("aligned")
                .setSampleKind(SampleKind.TUMOUR).setStatus(status)
                .addChecksums(Checksum.newBuilder().setType("sha-256").setValue("ab".repeat(32))).build();
    }

    static Actor actor(String user, Role role, String region) {
        return new Actor(user, role, region, "spoke-" + region);
    }

    static final Actor CLINICIAN_OTHER = actor("klinik-ouh", Role.CLINICIAN, OTHER);
    static final Actor CLINICIAN_OWNER = actor("klinik-rh", Role.CLINICIAN, OWNER);
    static final Actor STEWARD_OWNER = actor("steward-rh", Role.STEWARD, OWNER);
    static final Actor STEWARD_OTHER = actor("steward-ouh", Role.STEWARD, OTHER);

    @BeforeEach
    void open() throws Exception {
        catalogue.put("NGC-1", record("NGC-1", OWNER, "KG", FileFormat.CRAM, Status.AVAILABLE));
        catalogue.put("NGC-2", record("NGC-2", OWNER, "Onkologisk", FileFormat.VCF, Status.AVAILABLE));
        catalogue.put("NGC-3", record("NGC-3", OWNER, "KG", FileFormat.CRAM, Status.WITHDRAWN));
        catalogue.put("NGC-4", record("NGC-4", OWNER, "KG", FileFormat.FASTQ, Status.AVAILABLE));
        catalogue.put("NGC-9", record("NGC-9", OTHER, "KG", FileFormat.CRAM, Status.AVAILABLE));
        clock = new MutableClock();
        reopen();
    }

    private void reopen() throws Exception {
        if (log != null) {
            log.close();
        }
        log = MerkleLog.open(dir, "ngc.example/access", KEY, new MerkleLog.Policy(100, Duration.ofSeconds(10)), clock);
        book = AccessBook.open(log, id -> Optional.ofNullable(catalogue.get(id)), AccessBook.Policy.DEFAULT, clock);
    }

    @AfterEach
    void close() {
        log.close();
    }

    private AccessRequest submit(Actor who, String record, String clientId) throws Exception {
        return book.submit(who, record, CLINICAL_CARE, "forløb 2026-4411", "Behandling af recidiv; sammenligning med primærtumor.", clientId);
    }

    private Grant grantFor(String granteeRegion, String user, List<String> ids, List<String> formats) throws Exception {
        return book.grant(STEWARD_OWNER, new AuditEntry.GrantTerms(granteeRegion, user, ids, null, formats, null, null,
                "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 14), CLINICAL_CARE, "MDT-samarbejde om sarkomer");
    }

    private List<AuditEntry> entries() throws Exception {
        List<AuditEntry> all = new ArrayList<>();
        for (long i = 0; i < log.size(); i++) {
            all.add(JSON.readValue(log.entry(i).orElseThrow(), AuditEntry.class));
        }
        return all;
    }

    @Test
    void aRequestWaitsInTheOwnersInboxAndOnlyTheOwnersStewardDecidesIt() throws Exception {
        AccessRequest r = submit(CLINICIAN_OTHER, "NGC-1", "c-1");
        assertThat(r.state()).isEqualTo(State.SUBMITTED);
        assertThat(r.ownerRegion()).isEqualTo(OWNER);
        assertThat(book.requests(STEWARD_OWNER)).extracting(AccessRequest::id).containsExactly(r.id());
        assertThat(book.requests(STEWARD_OTHER)).isEmpty();
        assertThatThrownBy(() -> book.approve(STEWARD_OTHER, r.id())).isInstanceOf(AccessException.class)
                .hasMessageContaining("only its stewards decide").extracting(e -> ((AccessException) e).reason()).isEqualTo(Reason.FORBIDDEN);
        AccessRequest approved = book.approve(STEWARD_OWNER, r.id());
        assertThat(approved.state()).isEqualTo(State.APPROVED);
        assertThat(approved.expires()).contains(clock.now.plus(Duration.ofDays(30)));
        assertThatThrownBy(() -> book.deny(STEWARD_OWNER, r.id(), "for sent")).isInstanceOf(AccessException.class)
                .hasMessageContaining("already approved");
        assertThat(approved.history()).extracting(AuditEntry::action).containsExactly(AuditEntry.Action.SUBMIT, AuditEntry.Action.APPROVE);
    }

    @Test
    void noOneDecidesTheirOwnRequestEvenWithBothRoles() throws Exception {
        AccessRequest own = submit(actor("anna", Role.CLINICIAN, OWNER), "NGC-1", "c-1");
        assertThatThrownBy(() -> book.deny(actor("anna", Role.STEWARD, OWNER), own.id(), "nej")).isInstanceOf(AccessException.class)
                .hasMessageContaining("your own").extracting(e -> ((AccessException) e).reason()).isEqualTo(Reason.FORBIDDEN);
    }

    @Test
    void aLiveGrantApprovesAtOnceAndSaysWhichGrantDidIt() throws Exception {
        Grant g = grantFor(OTHER, null, null, List.of("cram"));
        AccessRequest r = submit(CLINICIAN_OTHER, "NGC-1", "c-1");
        assertThat(r.state()).isEqualTo(State.APPROVED);
        assertThat(r.grant()).contains(g.id());
        assertThat(r.expires()).contains(clock.now.plus(Duration.ofDays(14)));
        assertThat(r.history()).as("the submit and the grant's approval are one entry, which no crash can split")
                .singleElement().satisfies(e -> {
                    assertThat(e.action()).isEqualTo(AuditEntry.Action.SUBMIT);
                    assertThat(e.grant()).isEqualTo(g.id());
                    assertThat(e.outcome()).isEqualTo("APPROVED");
                });
        assertThat(submit(CLINICIAN_OTHER, "NGC-2", "c-2").state()).as("a VCF is outside the grant's scope").isEqualTo(State.SUBMITTED);
        clock.now = Instant.parse("2027-02-01T00:00:00Z");
        assertThat(submit(CLINICIAN_OTHER, "NGC-1", "c-3").state()).as("after the grant's valid_to").isEqualTo(State.SUBMITTED);
    }

    @Test
    void aGrantToOneUserCoversNoOtherUserOfTheRegion() throws Exception {
        grantFor(OTHER, "klinik-ouh", List.of("NGC-1"), null);
        assertThat(submit(CLINICIAN_OTHER, "NGC-1", "c-1").state()).isEqualTo(State.APPROVED);
        assertThat(submit(actor("andre", Role.CLINICIAN, OTHER), "NGC-1", "c-1").state()).isEqualTo(State.SUBMITTED);
    }

    @Test
    void revokingAGrantRevokesItsApprovalsAndLaterRequestsWait() throws Exception {
        Grant g = grantFor(OTHER, null, List.of("NGC-1", "NGC-2"), null);
        AccessRequest a = submit(CLINICIAN_OTHER, "NGC-1", "c-1");
        AccessRequest manual = submit(CLINICIAN_OWNER, "NGC-2", "c-2"); // the owner's own clinician: approved by the owner policy
        assertThat(manual.state()).isEqualTo(State.APPROVED);
        assertThat(manual.grant()).isEmpty();
        assertThatThrownBy(() -> book.revokeGrant(STEWARD_OTHER, g.id(), "slut")).isInstanceOf(AccessException.class)
                .extracting(e -> ((AccessException) e).reason()).isEqualTo(Reason.FORBIDDEN);
        assertThat(book.revokeGrant(STEWARD_OWNER, g.id(), "samarbejdet er slut").revoked()).isPresent();
        assertThat(book.show(CLINICIAN_OTHER, a.id()).state()).isEqualTo(State.REVOKED);
        assertThat(book.show(CLINICIAN_OTHER, a.id()).history()).extracting(AuditEntry::action)
                .containsExactly(AuditEntry.Action.SUBMIT, AuditEntry.Action.GRANT_REVOKE);
        assertThat(book.show(CLINICIAN_OWNER, manual.id()).state()).as("not made by the grant").isEqualTo(State.APPROVED);
        assertThat(submit(CLINICIAN_OTHER, "NGC-2", "c-3").state()).isEqualTo(State.SUBMITTED);
        assertThatThrownBy(() -> book.revokeGrant(STEWARD_OWNER, g.id(), "igen")).hasMessageContaining("already revoked");
        assertThatThrownBy(() -> grantFor(OTHER, null, List.of("NGC-9"), null)).as("a record of another region")
                .hasMessageContaining("NGC-9 belongs to syddanmark").extracting(e -> ((AccessException) e).reason()).isEqualTo(Reason.FORBIDDEN);
    }

    @Test
    void returnedRequestsAreAmendedAndResubmittedDeniedOnesNeedAReasonAndCancelIsTheRequestersOnly() throws Exception {
        AccessRequest r = submit(CLINICIAN_OTHER, "NGC-1", "c-1");
        assertThatThrownBy(() -> book.returnToRequester(STEWARD_OWNER, r.id(), " ")).hasMessageContaining("say what more is needed");
        book.returnToRequester(STEWARD_OWNER, r.id(), "Hvilken behandling?");
        assertThatThrownBy(() -> book.amend(actor("andre", Role.CLINICIAN, OTHER), r.id(), "forløb 7", "x")).hasMessageContaining("not yours");
        AccessRequest amended = book.amend(CLINICIAN_OTHER, r.id(), "forløb 2026-4411", "Kemoterapi efter recidiv.");
        assertThat(amended.state()).isEqualTo(State.SUBMITTED);
        assertThat(amended.justification()).isEqualTo("Kemoterapi efter recidiv.");
        assertThatThrownBy(() -> book.deny(STEWARD_OWNER, r.id(), "")).hasMessageContaining("a reason is required");
        assertThat(book.deny(STEWARD_OWNER, r.id(), "Ikke behandlingsrelevant").state()).isEqualTo(State.DENIED);
        assertThatThrownBy(() -> book.cancel(CLINICIAN_OTHER, r.id())).hasMessageContaining("is denied");

        AccessRequest other = submit(CLINICIAN_OTHER, "NGC-2", "c-2");
        assertThatThrownBy(() -> book.cancel(STEWARD_OWNER, other.id())).hasMessageContaining("not yours");
        assertThat(book.cancel(CLINICIAN_OTHER, other.id()).state()).isEqualTo(State.CANCELLED);
    }

    @Test
    void badInputIsRefusedWithAClearReasonLoggedWithoutTheRefusedTextAndChangesNothing() throws Exception {
        record Case(String record, String purpose, String episode, String justification, String clientId, Reason reason, String message) {
        }
        List<Case> cases = List.of(
                new Case("NGC-1", "DUO:0000042", "forløb 1", "x", "a", Reason.INVALID, "purpose must be DUO:0000043"),
                new Case("NGC-1", CLINICAL_CARE, "", "x", "b", Reason.INVALID, "episode"),
                new Case("NGC-1", CLINICAL_CARE, "pt 010190-1234", "x", "c", Reason.INVALID, "looks like a CPR number"),
                new Case("NGC-1", CLINICAL_CARE, "forløb 1", "", "d", Reason.INVALID, "justification is required"),
                new Case("NGC-1", CLINICAL_CARE, "forløb 1", "x", "", Reason.INVALID, "client_request_id"),
                new Case("NGC-404", CLINICAL_CARE, "forløb 1", "x", "e", Reason.NOT_FOUND, "no record NGC-404"),
                new Case("NGC-3", CLINICAL_CARE, "forløb 1", "x", "f", Reason.CONFLICT, "withdrawn"));
        for (Case c : cases) {
            long before = log.size();
            assertThatThrownBy(() -> book.submit(CLINICIAN_OTHER, c.record(), c.purpose(), c.episode(), c.justification(), c.clientId()))
                    .as(c.message()).isInstanceOf(AccessException.class).hasMessageContaining(c.message())
                    .extracting(e -> ((AccessException) e).reason()).isEqualTo(c.reason());
            assertThat(log.size()).as("one refusal entry").isEqualTo(before + 1);
        }
        assertThat(book.requests()).isEmpty();
        List<AuditEntry> refusals = entries();
        assertThat(refusals).extracting(AuditEntry::action).containsOnly(AuditEntry.Action.REFUSE);
        assertThat(refusals).extracting(AuditEntry::episode).containsOnlyNulls(); // the CPR number is not stored
        assertThat(refusals.get(2).reason()).contains("CPR");
        StringBuilder raw = new StringBuilder();
        for (long i = 0; i < log.size(); i++) {
            raw.append(new String(log.entry(i).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(raw).as("the refused CPR number is nowhere in the log").doesNotContain("010190");
        assertThatThrownBy(() -> book.submit(CLINICIAN_OTHER, "NGC-1 010190-1234", CLINICAL_CARE, "forløb 1", "x", "g"))
                .hasMessageContaining("no record");
        assertThat(new String(log.entry(log.size() - 1).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .as("nor a record id that holds one").doesNotContain("010190");

        AccessRequest r = submit(CLINICIAN_OTHER, "NGC-1", "h");
        assertThatThrownBy(() -> book.deny(STEWARD_OWNER, r.id(), "Patienten 0101901234 er ikke i behandling")).hasMessageContaining("CPR");
        assertThatThrownBy(() -> book.grant(STEWARD_OWNER, new AuditEntry.GrantTerms(OTHER, null, null, null, List.of("CRAM"), null, null,
                "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 30), CLINICAL_CARE, "x")).hasMessageContaining("file_format CRAM is not one of");
        assertThatThrownBy(() -> book.grant(STEWARD_OWNER, new AuditEntry.GrantTerms(OTHER, null, null, null, List.of("cram"), null, null,
                "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 30), CLINICAL_CARE, "x")).hasMessageContaining("already past");
        assertThatThrownBy(() -> book.grant(STEWARD_OWNER, new AuditEntry.GrantTerms(OTHER, "", null, null, List.of("cram"), null, null,
                "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 30), CLINICAL_CARE, "x")).hasMessageContaining("grantee_user");
        for (AuditEntry.GrantTerms hidden : List.of(
                new AuditEntry.GrantTerms(OTHER, "0101901234", null, null, List.of("cram"), null, null, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 30),
                new AuditEntry.GrantTerms("0101901234", null, null, null, List.of("cram"), null, null, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 30),
                new AuditEntry.GrantTerms(OTHER, null, null, null, List.of("cram"), null, null, "0101901234", "2027-01-01T00:00:00Z", 30))) {
            assertThatThrownBy(() -> book.grant(STEWARD_OWNER, hidden, CLINICAL_CARE, "x")).isInstanceOf(AccessException.class);
        }
        StringBuilder all = new StringBuilder();
        for (long i = 0; i < log.size(); i++) {
            all.append(new String(log.entry(i).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(all).as("a CPR number in a grant's terms is kept out of the log").doesNotContain("0101901234").doesNotContain("010190");
        assertThat(book.grants()).isEmpty();
        assertThat(book.show(CLINICIAN_OTHER, r.id()).state()).isEqualTo(State.SUBMITTED);
    }

    @Test
    void aRetriedSubmitGetsTheSameRequestAndTheStateSurvivesAReopenOfTheLog() throws Exception {
        AccessRequest first = submit(CLINICIAN_OTHER, "NGC-1", "retry-1");
        long size = log.size();
        assertThat(submit(CLINICIAN_OTHER, "NGC-1", "retry-1").id()).isEqualTo(first.id());
        assertThat(log.size()).as("a retry appends nothing").isEqualTo(size);
        assertThatThrownBy(() -> submit(CLINICIAN_OTHER, "NGC-2", "retry-1")).hasMessageContaining("another record");
        Grant g = grantFor(OTHER, null, List.of("NGC-2"), null);
        AccessRequest byGrant = submit(CLINICIAN_OTHER, "NGC-2", "retry-2");
        book.returnToRequester(STEWARD_OWNER, first.id(), "mere");
        List<AccessRequest> before = book.requests();
        List<Grant> grantsBefore = book.grants();

        reopen();
        assertThat(book.requests()).isEqualTo(before);
        assertThat(book.grants()).isEqualTo(grantsBefore);
        assertThat(book.show(CLINICIAN_OTHER, byGrant.id()).grant()).contains(g.id());
        assertThat(submit(CLINICIAN_OTHER, "NGC-1", "retry-1").id()).as("a retry after the restart").isEqualTo(first.id());
        assertThat(log.verify().ok()).isTrue();
    }

    @Test
    void approvalsExpireAndEveryEntrySaysWhoWhatWhenWhyAndTheOutcome() throws Exception {
        AccessRequest r = submit(CLINICIAN_OTHER, "NGC-1", "c-1");
        book.approve(STEWARD_OWNER, r.id());
        grantFor(OTHER, null, List.of("NGC-1"), null); // approvals of 14 days
        AccessRequest byGrant = submit(CLINICIAN_OTHER, "NGC-1", "c-2");
        clock.now = clock.now.plus(Duration.ofDays(13));
        assertThat(book.expire()).isZero();
        clock.now = clock.now.plus(Duration.ofDays(2));
        assertThat(book.expire()).isEqualTo(1);
        assertThat(book.show(CLINICIAN_OTHER, byGrant.id()).state()).isEqualTo(State.EXPIRED);
        clock.now = clock.now.plus(Duration.ofDays(16)); // 31 days after the steward's approval of 30
        assertThat(book.expire()).isEqualTo(1);
        assertThat(book.show(CLINICIAN_OTHER, r.id()).state()).isEqualTo(State.EXPIRED);
        for (AuditEntry e : entries()) {
            assertThat(e.user()).isNotBlank();
            assertThat(e.role()).isNotNull();
            assertThat(e.region()).isNotBlank();
            assertThat(e.spoke()).isNotBlank();
            assertThat(e.at()).isNotBlank();
            if (e.action() == AuditEntry.Action.GRANT) {
                assertThat(e.terms().recordIds()).containsExactly("NGC-1");
                continue;
            }
            assertThat(e.record()).isEqualTo("NGC-1");
            assertThat(e.checksum()).isEqualTo("ab".repeat(32));
            assertThat(e.purpose()).isEqualTo(CLINICAL_CARE);
            assertThat(e.outcome()).isNotBlank();
        }
    }

    /** Every cell of role × own/other region × action: what the book allows, and that everything else is FORBIDDEN. */
    @Test
    void theRulesOfWhoMayDoWhat() throws Exception {
        List<String> cells = new ArrayList<>();
        int n = 0;
        for (Role role : Role.values()) {
            for (String region : List.of(OWNER, OTHER)) {
                Actor who = actor("u-" + role + "-" + region, role, region);
                for (String action : List.of("submit", "approve", "deny", "return", "amend", "cancel", "show", "grant", "revoke grant")) {
                    n++;
                    // A fresh request by a clinician of the other region, in the owner's inbox, and a grant of the owner's.
                    AccessRequest theirs = submit(CLINICIAN_OTHER, "NGC-2", "m-" + n);
                    Grant grant = grantFor(OTHER, null, List.of("NGC-4"), null);
                    boolean allowed;
                    try {
                        switch (action) {
                            case "submit" -> submit(who, "NGC-1", "own-" + n);
                            case "approve" -> book.approve(who, theirs.id());
                            case "deny" -> book.deny(who, theirs.id(), "nej");
                            case "return" -> book.returnToRequester(who, theirs.id(), "mere");
                            case "amend" -> {
                                book.returnToRequester(STEWARD_OWNER, theirs.id(), "mere");
                                book.amend(who, theirs.id(), "forløb 2", "mere tekst");
                            }
                            case "cancel" -> book.cancel(who, theirs.id());
                            case "show" -> book.show(who, theirs.id());
                            case "grant" -> book.grant(who, new AuditEntry.GrantTerms(OTHER, null, List.of("NGC-1"), null, null, null, null,
                                    "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", 30), CLINICAL_CARE, "samarbejde");
                            case "revoke grant" -> book.revokeGrant(who, grant.id(), "slut");
                            default -> throw new IllegalStateException(action);
                        }
                        allowed = true;
                    } catch (AccessException e) {
                        assertThat(e.reason()).as(role + " " + region + " " + action + ": " + e.getMessage()).isEqualTo(Reason.FORBIDDEN);
                        allowed = false;
                    }
                    if (allowed) {
                        cells.add(role + " " + (region.equals(OWNER) ? "own" : "other") + " " + action);
                    }
                }
            }
        }
        // "own" is the record owner's region. The request acted on is another user's, made from the other region's
        // spoke: that spoke's admin sees it, and no clinician but its requester touches it.
        assertThat(cells).containsExactlyInAnyOrder(
                "CLINICIAN own submit", "CLINICIAN other submit", "ADMIN other show",
                "STEWARD own approve", "STEWARD own deny", "STEWARD own return", "STEWARD own show", "STEWARD own grant",
                "STEWARD own revoke grant");
        assertThat(n).isEqualTo(3 * 2 * 9);
    }
}
