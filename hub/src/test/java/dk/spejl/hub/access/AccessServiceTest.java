package dk.spejl.hub.access;

import dk.spejl.hub.Hub;
import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessRequestView;
import dk.spejl.wire.AccessUser;
import dk.spejl.wire.DecideRequest;
import dk.spejl.wire.GetRequestRequest;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.ListRequestsRequest;
import dk.spejl.wire.SubmitRequest;
import dk.spejl.wire.UserRole;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The Access service over real mutual TLS, with the hub's RocksDB stores and audit log in a temporary directory. */
class AccessServiceTest {
    @TempDir
    Path tmp;

    private static AccessUser user(String name, UserRole role) {
        return AccessUser.newBuilder().setName(name).setRole(role).build();
    }

    private static SubmitRequest submit(String record, String clientId) {
        return SubmitRequest.newBuilder().setUser(user("klinik-ouh", UserRole.CLINICIAN)).setRecordId(record)
                .setPurpose(AccessBook.CLINICAL_CARE).setEpisode("forløb 2026-4411").setJustification("Recidiv; behandlingsvalg.")
                .setClientRequestId(clientId).build();
    }

    @Test
    void aRequestFromOneRegionIsDecidedByTheOwnersStewardAndSurvivesAHubRestart() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(30), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        TlsFiles south = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("ouh", "syddanmark"), tmp.resolve("ouh"), "spoke");
        TlsFiles capital = ServerPki.enrol(tmp.resolve("tls"), PeerIdentity.spokeSubject("rh", "hovedstaden"), tmp.resolve("rh"), "spoke");
        List<HubRecord> records = new CatalogueGenerator(71).generate(200);
        HubRecord owned = records.stream().filter(r -> r.getRecord().getOwnerRegion().equals("hovedstaden")).findFirst().orElseThrow();
        String id;
        Hub.Builder builder = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint()).tls(tls);
        try (Hub hub = builder.start()) {
            hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList());
            ManagedChannel fromSouth = channel(hub, south);
            ManagedChannel fromCapital = channel(hub, capital);
            try {
                var clinician = AccessGrpc.newBlockingStub(fromSouth).withDeadlineAfter(10, TimeUnit.SECONDS);
                AccessRequestView submitted = clinician.submit(submit(owned.getRecord().getId(), "c-1"));
                id = submitted.getId();
                assertThat(submitted.getState()).isEqualTo("submitted");
                assertThat(submitted.getRequesterRegion()).as("from the certificate").isEqualTo("syddanmark");
                assertThat(submitted.getRequesterSpoke()).isEqualTo("ouh");
                assertThat(clinician.submit(submit(owned.getRecord().getId(), "c-1")).getId()).as("a retry").isEqualTo(id);

                // A spoke cannot speak for a user of another region, nor decide for one.
                StatusRuntimeException spoofed = catchThrowableOfType(StatusRuntimeException.class, () -> clinician.decide(
                        DecideRequest.newBuilder().setUser(user("steward", UserRole.STEWARD).toBuilder().setRegion("hovedstaden"))
                                .setRequestId(id).setDecision(DecideRequest.Decision.APPROVE).build()));
                assertThat(spoofed.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(spoofed.getStatus().getDescription()).contains("cannot speak for a user of hovedstaden");
                StatusRuntimeException notOwner = catchThrowableOfType(StatusRuntimeException.class, () -> clinician.decide(
                        DecideRequest.newBuilder().setUser(user("steward-ouh", UserRole.STEWARD)).setRequestId(id)
                                .setDecision(DecideRequest.Decision.APPROVE).build()));
                assertThat(notOwner.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                StatusRuntimeException bad = catchThrowableOfType(StatusRuntimeException.class, () -> clinician.submit(
                        submit(owned.getRecord().getId(), "c-2").toBuilder().setEpisode("0101901234").build()));
                assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(bad.getStatus().getDescription()).contains("CPR");

                var steward = AccessGrpc.newBlockingStub(fromCapital).withDeadlineAfter(10, TimeUnit.SECONDS);
                assertThat(steward.listRequests(ListRequestsRequest.newBuilder().setUser(user("steward-rh", UserRole.STEWARD)).build())
                        .getRequestsList()).extracting(AccessRequestView::getId).containsExactly(id);
                AccessRequestView approved = steward.decide(DecideRequest.newBuilder().setUser(user("steward-rh", UserRole.STEWARD))
                        .setRequestId(id).setDecision(DecideRequest.Decision.APPROVE).build());
                assertThat(approved.getState()).isEqualTo("approved");
                assertThat(approved.getHistoryList()).extracting(e -> e.getAction() + " " + e.getUser() + "@" + e.getRegion())
                        .containsExactly("submit klinik-ouh@syddanmark", "approve steward-rh@hovedstaden");
            } finally {
                fromSouth.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                fromCapital.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            assertThat(hub.accessLog().size()).as("the submit, the refusals of the other region's steward and of the CPR number, the approval (the spoofed call never reached the book)")
                    .isEqualTo(4);
        }
        try (Hub hub = builder.start()) {
            ManagedChannel fromSouth = channel(hub, south);
            try {
                AccessRequestView after = AccessGrpc.newBlockingStub(fromSouth).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getRequest(GetRequestRequest.newBuilder().setUser(user("klinik-ouh", UserRole.CLINICIAN)).setRequestId(id).build());
                assertThat(after.getState()).as("after the hub's restart").isEqualTo("approved");
                assertThat(hub.accessLog().verify().ok()).isTrue();
            } finally {
                fromSouth.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theRunningHubExpiresApprovalsWhoseTimeIsUp() throws Exception {
        Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(365), Clock.systemUTC());
        TlsFiles tls = ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"));
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now = new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now());
        Clock clock = new Clock() {
            @Override
            public java.time.Instant instant() {
                return now.get();
            }

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        try (Hub hub = Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint()).tls(tls)
                .clock(clock).accessExpiryInterval(Duration.ofMillis(50)).start()) {
            List<HubRecord> records = new CatalogueGenerator(72).generate(50);
            hub.ingest().apply(records.stream().map(CatalogueGenerator::putLine).toList());
            HubRecord own = records.stream().filter(r -> r.getRecord().getOwnerRegion().equals("hovedstaden")).findFirst().orElseThrow();
            var clinician = new dk.spejl.hub.access.requests.Actor("klinik-rh", dk.spejl.hub.access.requests.Actor.Role.CLINICIAN, "hovedstaden", "rh");
            var approved = hub.access().submit(clinician, own.getRecord().getId(), AccessBook.CLINICAL_CARE, "forløb 3", "Behandling.", "c-1");
            assertThat(approved.state()).as("the owner policy").isEqualTo(dk.spejl.hub.access.requests.AccessRequest.State.APPROVED);
            Thread.sleep(300);
            assertThat(hub.access().show(clinician, approved.id()).state()).isEqualTo(dk.spejl.hub.access.requests.AccessRequest.State.APPROVED);
            now.set(now.get().plus(Duration.ofDays(31)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hub.access().show(clinician, approved.id()).state() != dk.spejl.hub.access.requests.AccessRequest.State.EXPIRED
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(hub.access().show(clinician, approved.id()).state()).isEqualTo(dk.spejl.hub.access.requests.AccessRequest.State.EXPIRED);
        }
    }

    private static ManagedChannel channel(Hub hub, TlsFiles client) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", hub.replicationPort()).sslContext(client.clientContext())
                .overrideAuthority("localhost").build();
    }
}
