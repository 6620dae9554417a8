package dk.spejl.hub.trust;

import dk.spejl.hub.Hub;
import dk.spejl.hub.sample.CatalogueGenerator;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.ServerPki;
import dk.spejl.wire.ReloadKeysRequest;
import dk.spejl.wire.ReloadKeysResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What the operators' key reload answers: taken up, refused for the keys directory, or failed in the hub. */
class KeysServiceTest {
    @TempDir
    Path tmp;

    private final Ed25519.PrivateKey root = Ed25519.generate(new SecureRandom());

    private Hub hub() throws Exception {
        HubKeys.create(tmp.resolve("keys"), root, "h", Duration.ofDays(30), Clock.systemUTC());
        return Hub.builder().dataDir(tmp.resolve("hub")).hubId("h").keys(tmp.resolve("keys"), root.publicKey().fingerprint())
                .tls(ServerPki.create(tmp.resolve("tls"), "h", List.of("localhost"), List.of("127.0.0.1"))).start();
    }

    /** Calls the adapter as gRPC would, and returns what it sent: a result, or the status it failed with. */
    private static Object reload(KeysService service) throws Exception {
        CompletableFuture<Object> answer = new CompletableFuture<>();
        service.reloadKeys(ReloadKeysRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(ReloadKeysResult value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
            }
        });
        return answer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aRotatedDelegationIsTakenUp() throws Exception {
        try (Hub hub = hub()) {
            HubKeys.rotate(tmp.resolve("keys"), root, "h", Duration.ofDays(30), false, Clock.systemUTC());
            Object answer = reload(new KeysService(hub.trust()));
            assertThat(answer).isInstanceOfSatisfying(ReloadKeysResult.class, result -> {
                assertThat(result.getChanged()).isTrue();
                assertThat(result.getDelegationVersion()).isEqualTo(2);
                assertThat(result.getResignedRevision()).isEqualTo(1);
            });
        }
    }

    @Test
    void aKeysDirectoryTheHubMayNotMoveToIsAFailedPreconditionAndChangesNothing() throws Exception {
        try (Hub hub = hub()) {
            String key = hub.keys().signingKeyId();
            Path delegation = tmp.resolve("keys").resolve(HubKeys.DELEGATION);
            byte[] good = Files.readAllBytes(delegation);
            Files.write(delegation, "not a delegation".getBytes());
            assertThat(reload(new KeysService(hub.trust()))).isInstanceOfSatisfying(Status.class, status -> {
                assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(status.getDescription()).contains("is not a key delegation");
            });
            Files.write(delegation, good);
            Files.writeString(tmp.resolve("keys").resolve("signing-" + key + ".key"), "garbage\n");
            assertThat(reload(new KeysService(hub.trust()))).isInstanceOfSatisfying(Status.class,
                    status -> assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
            assertThat(hub.keys().signingKeyId()).isEqualTo(key);
            assertThat(hub.ingest().apply(List.of(CatalogueGenerator.putLine(new CatalogueGenerator(1).generate(1).get(0))))
                    .getPublished()).isTrue();
            assertThat(hub.publisher().head().manifest().getKeyId()).isEqualTo(key);
        }
    }

    @Test
    void aHubThatCannotPublishUnderItsNewKeyIsAnInternalFailureThatSaysSo() throws Exception {
        try (Hub hub = hub()) {
            HubKeys.rotate(tmp.resolve("keys"), root, "h", Duration.ofDays(30), false, Clock.systemUTC());
            hub.publisher().close();
            assertThat(reload(new KeysService(hub.trust()))).isInstanceOfSatisfying(Status.class, status -> {
                assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
                assertThat(status.getDescription()).contains("signs with key", "could not publish the head again");
            });
        }
    }
}
