package dk.spejl.hub.replication;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.catalogue.ChangeSet;
import dk.spejl.hub.catalogue.IngestError;
import dk.spejl.hub.catalogue.IngestParser;
import dk.spejl.hub.catalogue.IngestRejectedException;
import dk.spejl.hub.publish.Published;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.IngestLine;
import dk.spejl.wire.IngestResult;
import dk.spejl.wire.RevokeSpokeRequest;
import dk.spejl.wire.RevokeSpokeResult;
import dk.spejl.wire.SpokeLag;
import dk.spejl.wire.StatusRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The operators' gRPC service: ingest a change set, read the hub's status. */
public final class AdminService extends AdminGrpc.AdminImplBase {
    private static final Logger log = LoggerFactory.getLogger(AdminService.class);

    private final Publisher publisher;
    private final ManifestFeed feed;
    private final Revocations revocations;
    private final long maxLines;
    private final Keys keys;

    /** The hub's keys, as the admin service reports and reloads them. */
    public interface Keys {
        dk.spejl.hub.keys.HubKeys.Active active();

        dk.spejl.wire.ReloadKeysResult reload() throws IOException;
    }

    private final PeerRejections rejections;

    public AdminService(Publisher publisher, ManifestFeed feed, Revocations revocations, long maxLines, PeerRejections rejections,
                        Keys keys) {
        this.rejections = rejections;
        this.keys = keys;
        this.publisher = publisher;
        this.feed = feed;
        this.revocations = revocations;
        this.maxLines = maxLines;
    }

    @Override
    public void revokeSpoke(RevokeSpokeRequest request, StreamObserver<RevokeSpokeResult> response) {
        if (!dk.spejl.hub.catalogue.RecordRules.ID.matcher(request.getName()).matches()) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("not a spoke name: '" + request.getName() + "'").asRuntimeException());
            return;
        }
        try {
            boolean fresh = revocations.revoke(request.getName());
            int closed = feed.disconnect(request.getName());
            log.warn("spoke {} revoked by {}: {} open stream(s) closed; its certificates are refused from now on",
                    request.getName(), IdentityInterceptor.IDENTITY.get(), closed);
            response.onNext(RevokeSpokeResult.newBuilder().setNewlyRevoked(fresh).setStreamsClosed(closed).build());
            response.onCompleted();
        } catch (IOException e) {
            response.onError(Status.INTERNAL.withDescription("revocation not recorded: " + e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public StreamObserver<IngestLine> ingest(StreamObserver<IngestResult> result) {
        return new StreamObserver<>() {
            private final List<String> lines = new ArrayList<>();
            private boolean failed;

            @Override
            public void onNext(IngestLine line) {
                if (failed) {
                    return;
                }
                if (lines.size() >= maxLines) {
                    failed = true;
                    result.onError(Status.RESOURCE_EXHAUSTED.withDescription("an ingest file may hold at most " + maxLines
                            + " lines; split it").asRuntimeException());
                    return;
                }
                lines.add(line.getText().toString(StandardCharsets.UTF_8));
            }

            @Override
            public void onError(Throwable t) {
                log.info("ingest abandoned by the client after {} lines: {}", lines.size(), t.toString());
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    result.onNext(apply(lines));
                    result.onCompleted();
                }
            }
        };
    }

    /** Validates and publishes one ingest file; refused files publish nothing. */
    public IngestResult apply(List<String> lines) {
        try {
            ChangeSet changes = IngestParser.parse(lines, publisher::holds);
            Published published = publisher.publish(changes);
            return IngestResult.newBuilder().setPublished(true).setRevision(published.revision())
                    .setPuts(changes.puts().size()).setDeletes(changes.deletes().size()).build();
        } catch (IngestRejectedException e) {
            log.info("ingest of {} lines refused: {}", lines.size(), e.getMessage());
            IngestResult.Builder refused = IngestResult.newBuilder().setPublished(false);
            for (IngestError error : e.errors()) {
                refused.addErrors(dk.spejl.wire.IngestError.newBuilder().setLine(error.line()).setMessage(error.message()));
            }
            return refused.build();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("publish failed: " + e.getMessage()).asRuntimeException();
        }
    }

    @Override
    public void reloadKeys(dk.spejl.wire.ReloadKeysRequest request, StreamObserver<dk.spejl.wire.ReloadKeysResult> response) {
        try {
            response.onNext(keys.reload());
            response.onCompleted();
        } catch (IOException | RuntimeException e) {
            log.warn("key reload refused: {}", e.getMessage());
            response.onError(Status.FAILED_PRECONDITION.withDescription("keys not reloaded: " + e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void status(StatusRequest request, StreamObserver<HubStatus> response) {
        CatalogueStore.Head head = publisher.head();
        HubStatus.Builder status = HubStatus.newBuilder().setHubId(head.manifest().getHubId()).setRevision(head.revision())
                .setEntryCount(head.entryCount()).setStateDigest(Sha256.hex(head.manifest().getStateDigest().toByteArray()))
                .setManifestDigest(Sha256.hex(head.manifestDigest())).setSnapshotRevision(head.manifest().getSnapshotRevision())
                .setPublishedAtMillis(head.manifest().getPublishedAtMillis());
        var active = keys.active();
        status.setDelegationVersion(active.trusted().version()).setDelegationExpiresAtMillis(active.trusted().expiresAtMillis())
                .setSigningKeyId(active.signingKeyId())
                .setRootFingerprint(new dk.spejl.signing.Ed25519.PublicKey(active.delegation().getRootPublicKey().toByteArray()).fingerprint());
        status.putAllRejections(rejections.counts());
        for (ManifestFeed.Watcher watcher : feed.watchers()) {
            status.addSpokes(SpokeLag.newBuilder().setName(watcher.identity().name()).setRegion(watcher.identity().region())
                    .setPeer(watcher.peer()).setRevision(Math.max(0, watcher.sentRevision())));
        }
        response.onNext(status.build());
        response.onCompleted();
    }
}
