package dk.spejl.hub;

import dk.spejl.digest.Sha256;
import dk.spejl.hub.access.PeerRejections;
import dk.spejl.hub.catalogue.Head;
import dk.spejl.hub.publish.Publisher;
import dk.spejl.hub.replication.ManifestFeed;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.hub.trust.HubTrust;
import dk.spejl.signing.Ed25519;
import dk.spejl.wire.AdminGrpc;
import dk.spejl.wire.HubStatus;
import dk.spejl.wire.SpokeLag;
import dk.spejl.wire.StatusRequest;
import io.grpc.stub.StreamObserver;

/** The operators' {@code Admin.Status} call: the head, the keys, the refused clients and the watching spokes, read from each. */
final class StatusService implements AdminGrpc.AsyncService {
    private final Publisher publisher;
    private final HubTrust trust;
    private final PeerRejections rejections;
    private final ManifestFeed feed;

    /** Every spoke enrolled or heard from, with its condition. */
    interface Spokes {
        java.util.List<dk.spejl.wire.SpokeState> states() throws java.io.IOException;
    }

    private final Spokes spokes;

    StatusService(Publisher publisher, HubTrust trust, PeerRejections rejections, ManifestFeed feed, Spokes spokes) {
        this.spokes = spokes;
        this.publisher = publisher;
        this.trust = trust;
        this.rejections = rejections;
        this.feed = feed;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<HubStatus> response) {
        Head head = publisher.head();
        HubStatus.Builder status = HubStatus.newBuilder().setHubId(head.manifest().getHubId()).setRevision(head.revision())
                .setEntryCount(head.entryCount()).setStateDigest(Sha256.hex(head.manifest().getStateDigest().toByteArray()))
                .setManifestDigest(Sha256.hex(head.manifestDigest())).setSnapshotRevision(head.manifest().getSnapshotRevision())
                .setPublishedAtMillis(head.manifest().getPublishedAtMillis());
        HubKeys.Active keys = trust.keys();
        status.setDelegationVersion(keys.trusted().version()).setDelegationExpiresAtMillis(keys.trusted().expiresAtMillis())
                .setSigningKeyId(keys.signingKeyId())
                .setRootFingerprint(new Ed25519.PublicKey(keys.delegation().getRootPublicKey().toByteArray()).fingerprint());
        status.putAllRejections(rejections.counts());
        for (ManifestFeed.Watcher watcher : feed.watchers()) {
            status.addSpokes(SpokeLag.newBuilder().setName(watcher.identity().name()).setRegion(watcher.identity().region())
                    .setPeer(watcher.peer()).setRevision(Math.max(0, watcher.sentRevision())));
        }
        try {
            status.addAllEnrolled(spokes.states());
        } catch (java.io.IOException e) {
            response.onError(io.grpc.Status.UNAVAILABLE.withDescription("cannot read the CA's register of spokes: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        response.onNext(status.build());
        response.onCompleted();
    }
}
