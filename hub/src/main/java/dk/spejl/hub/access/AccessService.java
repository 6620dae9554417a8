package dk.spejl.hub.access;

import dk.spejl.hub.access.requests.AccessBook;
import dk.spejl.hub.access.requests.AccessException;
import dk.spejl.hub.access.requests.AccessRequest;
import dk.spejl.hub.access.requests.Actor;
import dk.spejl.hub.access.requests.AuditEntry;
import dk.spejl.tls.Caller;
import dk.spejl.hub.access.requests.Grant;
import dk.spejl.log.MerkleLog;
import dk.spejl.wire.AccessEventView;
import dk.spejl.wire.AccessEventsRequest;
import dk.spejl.wire.AccessLogEntry;
import dk.spejl.wire.ConsistencyRequest;
import dk.spejl.wire.ConsistencyResponse;
import dk.spejl.wire.ProofsRequest;
import dk.spejl.wire.ProofsResponse;
import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessRequestView;
import dk.spejl.wire.AccessUser;
import dk.spejl.wire.AmendRequest;
import dk.spejl.wire.CancelRequest;
import dk.spejl.wire.CreateGrantRequest;
import dk.spejl.wire.DecideRequest;
import dk.spejl.wire.GetRequestRequest;
import dk.spejl.wire.GrantView;
import dk.spejl.wire.ListGrantsRequest;
import dk.spejl.wire.ListGrantsResponse;
import dk.spejl.wire.ListRequestsRequest;
import dk.spejl.wire.ListRequestsResponse;
import dk.spejl.wire.RevokeGrantRequest;
import dk.spejl.wire.SubmitRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The hub's {@code Access} service: a thin adapter over {@link AccessBook}. The caller's region and spoke come from
 * its certificate ({@link Caller}); the call gives only its user's name and role, and a region, if it names one,
 * that must be the certificate's: a spoke cannot speak for a user of another region.
 */
public final class AccessService extends AccessGrpc.AccessImplBase {
    private static final Logger log = LoggerFactory.getLogger(AccessService.class);

    private static final int MAX_PROOFS = 1_000;

    private final AccessBook book;
    private final AccessEvents events;
    private final MerkleLog audit;

    public AccessService(AccessBook book, AccessEvents events, MerkleLog audit) {
        this.book = book;
        this.events = events;
        this.audit = audit;
    }

    /** One call's work against the book, given the actor it is made for. */
    private interface Work<T> {
        T run(Actor who) throws AccessException, IOException;
    }

    private <T> void answer(AccessUser user, StreamObserver<T> out, Work<T> work) {
        Caller caller = Caller.KEY.get();
        if (caller == null) {
            out.onError(Status.UNAUTHENTICATED.withDescription("no spoke certificate").asRuntimeException());
            return;
        }
        String region = caller.identity().region();
        if (user.getName().isBlank() || user.getName().length() > 128 || user.getRegion().length() > 128) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("user: a name (at most 128 characters) and a role are required").asRuntimeException());
            return;
        }
        if (!user.getRegion().isEmpty() && !user.getRegion().equals(region)) {
            log.warn("spoke {} of {} spoke for a user of another region: refused", caller.identity().name(), region);
            out.onError(Status.PERMISSION_DENIED.withDescription("this spoke's certificate is for " + region
                    + "; it cannot speak for a user of " + user.getRegion()).asRuntimeException());
            return;
        }
        Actor.Role role = switch (user.getRole()) {
            case CLINICIAN -> Actor.Role.CLINICIAN;
            case STEWARD -> Actor.Role.STEWARD;
            case ADMIN -> Actor.Role.ADMIN;
            default -> null;
        };
        if (role == null || user.getName().isBlank() || user.getName().length() > 128) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("user: a name (at most 128 characters) and a role are required").asRuntimeException());
            return;
        }
        try {
            T answer = work.run(new Actor(user.getName(), role, region, caller.identity().name()));
            if (answer instanceof AccessRequestView v) {
                try (var request = org.slf4j.MDC.putCloseable("request", v.getId())) {
                    log.info("{} {} for {} at {}: {}", user.getRole().name().toLowerCase(Locale.ROOT), user.getName(), v.getRecordId(),
                            region, v.getState());
                }
            }
            out.onNext(answer);
            out.onCompleted();
        } catch (AccessException e) {
            Status status = switch (e.reason()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case FORBIDDEN -> Status.PERMISSION_DENIED;
                case CONFLICT -> Status.FAILED_PRECONDITION;
            };
            out.onError(status.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException | RuntimeException e) {
            log.error("access call failed: {}", e.toString(), e);
            out.onError(Status.UNAVAILABLE.withDescription("the hub could not record the action; nothing was done, try again").asRuntimeException());
        }
    }

    @Override
    public void submit(SubmitRequest r, StreamObserver<AccessRequestView> out) {
        answer(r.getUser(), out, who -> view(book.submit(who, r.getRecordId(), r.getPurpose(), r.getEpisode(), r.getJustification(),
                r.getClientRequestId())));
    }

    @Override
    public void decide(DecideRequest r, StreamObserver<AccessRequestView> out) {
        answer(r.getUser(), out, who -> view(switch (r.getDecision()) {
            case APPROVE -> book.approve(who, r.getRequestId());
            case DENY -> book.deny(who, r.getRequestId(), r.getReason());
            case RETURN -> book.returnToRequester(who, r.getRequestId(), r.getReason());
            default -> throw new AccessException(AccessException.Reason.INVALID, "decision must be approve, deny or return");
        }));
    }

    @Override
    public void amend(AmendRequest r, StreamObserver<AccessRequestView> out) {
        answer(r.getUser(), out, who -> view(book.amend(who, r.getRequestId(), r.getEpisode(), r.getJustification())));
    }

    @Override
    public void cancel(CancelRequest r, StreamObserver<AccessRequestView> out) {
        answer(r.getUser(), out, who -> view(book.cancel(who, r.getRequestId())));
    }

    @Override
    public void getRequest(GetRequestRequest r, StreamObserver<AccessRequestView> out) {
        answer(r.getUser(), out, who -> view(book.show(who, r.getRequestId())));
    }

    @Override
    public void listRequests(ListRequestsRequest r, StreamObserver<ListRequestsResponse> out) {
        answer(r.getUser(), out, who -> ListRequestsResponse.newBuilder()
                .addAllRequests(book.requests(who).stream().map(AccessService::view).toList()).build());
    }

    @Override
    public void createGrant(CreateGrantRequest r, StreamObserver<GrantView> out) {
        answer(r.getUser(), out, who -> view(book.grant(who, new AuditEntry.GrantTerms(r.getGranteeRegion(),
                r.getGranteeUser().isEmpty() ? null : r.getGranteeUser(), r.getRecordIdsList(), r.getOwnerUnitsList(), r.getFileFormatsList(),
                r.getFileRolesList(), r.getSampleKindsList(), r.getValidFrom(), r.getValidTo(), r.getApprovalDays() == 0 ? 30 : r.getApprovalDays()),
                r.getPurpose(), r.getReason())));
    }

    @Override
    public void revokeGrant(RevokeGrantRequest r, StreamObserver<GrantView> out) {
        answer(r.getUser(), out, who -> view(book.revokeGrant(who, r.getGrantId(), r.getReason())));
    }

    @Override
    public void listGrants(ListGrantsRequest r, StreamObserver<ListGrantsResponse> out) {
        answer(r.getUser(), out, who -> ListGrantsResponse.newBuilder()
                .addAllGrants(book.grants(who).stream().map(AccessService::view).toList()).build());
    }

    @Override
    public void events(AccessEventsRequest r, StreamObserver<AccessLogEntry> out) {
        Caller caller = Caller.KEY.get();
        if (caller == null) {
            out.onError(Status.UNAUTHENTICATED.withDescription("no spoke certificate").asRuntimeException());
            return;
        }
        events.subscribe(caller.identity().region(), caller.identity().name(), r.getFromIndex(),
                (io.grpc.stub.ServerCallStreamObserver<AccessLogEntry>) out);
    }

    @Override
    public void proofs(ProofsRequest r, StreamObserver<ProofsResponse> out) {
        long size = audit.size();
        if (r.getTreeSize() < 1 || r.getTreeSize() > size || r.getIndexesCount() > MAX_PROOFS) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("tree_size must be at least 1 and at most the log's size, with at most "
                    + MAX_PROOFS + " indexes").asRuntimeException());
            return;
        }
        try {
            ProofsResponse.Builder proofs = ProofsResponse.newBuilder();
            for (long index : r.getIndexesList()) {
                ProofsResponse.Proof.Builder proof = proofs.addProofsBuilder().setIndex(index);
                for (byte[] hash : audit.inclusionProof(index, r.getTreeSize())) {
                    proof.addPath(com.google.protobuf.ByteString.copyFrom(hash));
                }
            }
            out.onNext(proofs.build());
            out.onCompleted();
        } catch (dk.spejl.log.Merkle.ProofException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException e) {
            log.error("inclusion proofs failed: {}", e.toString(), e);
            out.onError(Status.UNAVAILABLE.withDescription("the hub could not read its access log").asRuntimeException());
        }
    }

    @Override
    public void consistency(ConsistencyRequest r, StreamObserver<ConsistencyResponse> out) {
        if (r.getFirst() < 1 || r.getFirst() > r.getSecond()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("first must be at least 1 and at most second").asRuntimeException());
            return;
        }
        if (r.getSecond() > audit.size()) {
            // Asked of sizes it signed, a hub that no longer holds them has truncated its log: the witness says so.
            out.onError(Status.FAILED_PRECONDITION.withDescription("the log holds fewer than " + r.getSecond() + " entries").asRuntimeException());
            return;
        }
        try {
            ConsistencyResponse.Builder proof = ConsistencyResponse.newBuilder();
            for (byte[] hash : audit.consistencyProof(r.getFirst(), r.getSecond())) {
                proof.addProof(com.google.protobuf.ByteString.copyFrom(hash));
            }
            out.onNext(proof.build());
            out.onCompleted();
        } catch (dk.spejl.log.Merkle.ProofException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException e) {
            log.error("a consistency proof failed: {}", e.toString(), e);
            out.onError(Status.UNAVAILABLE.withDescription("the hub could not read its access log").asRuntimeException());
        }
    }

    static AccessRequestView view(AccessRequest r) {
        AccessRequestView.Builder v = AccessRequestView.newBuilder().setId(r.id()).setRecordId(r.recordId()).setOwnerRegion(r.ownerRegion())
                .setRequester(r.requester().user()).setRequesterRegion(r.requester().region()).setRequesterSpoke(r.requester().spoke())
                .setPurpose(r.purpose()).setEpisode(r.episode()).setJustification(r.justification())
                .setState(r.state().name().toLowerCase(Locale.ROOT));
        if (r.checksum() != null) {
            v.setChecksum(r.checksum());
        }
        r.grant().ifPresent(v::setGrantId);
        r.expires().map(Instant::toString).ifPresent(v::setExpires);
        for (AuditEntry e : r.history()) {
            AccessEventView.Builder ev = AccessEventView.newBuilder().setAt(e.at()).setAction(e.action().name().toLowerCase(Locale.ROOT))
                    .setUser(e.user()).setRole(e.role().name().toLowerCase(Locale.ROOT)).setRegion(e.region()).setSpoke(e.spoke())
                    .setOutcome(e.outcome().toLowerCase(Locale.ROOT));
            if (e.reason() != null) {
                ev.setReason(e.reason());
            }
            if (e.grant() != null) {
                ev.setGrantId(e.grant());
            }
            v.addHistory(ev);
        }
        return v.build();
    }

    static GrantView view(Grant g) {
        GrantView.Builder v = GrantView.newBuilder().setId(g.id()).setOwnerRegion(g.ownerRegion()).setGranteeRegion(g.granteeRegion())
                .addAllRecordIds(g.scope().recordIds()).addAllOwnerUnits(sorted(g.scope().ownerUnits()))
                .addAllFileFormats(sorted(g.scope().fileFormats())).addAllFileRoles(sorted(g.scope().fileRoles()))
                .addAllSampleKinds(sorted(g.scope().sampleKinds())).setPurpose(g.purpose()).setValidFrom(g.validFrom().toString())
                .setValidTo(g.validTo().toString()).setApprovalDays((int) g.approvalLifetime().toDays())
                .setMadeBy(g.madeBy().user() + "@" + g.madeBy().region()).setMadeAt(g.madeAt().toString()).setReason(g.reason())
                .setRevoked(g.revoked().isPresent());
        g.granteeUser().ifPresent(v::setGranteeUser);
        g.revoked().ifPresent(x -> v.setRevokedBy(x.by().user() + "@" + x.by().region()).setRevokedAt(x.at().toString())
                .setRevokeReason(x.reason()));
        return v.build();
    }

    private static List<String> sorted(java.util.Set<String> values) {
        return values.stream().sorted().toList();
    }
}
