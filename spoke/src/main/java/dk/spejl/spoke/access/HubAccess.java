package dk.spejl.spoke.access;

import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.auth.Role;
import dk.spejl.wire.AccessGrpc;
import dk.spejl.wire.AccessUser;
import dk.spejl.wire.UserRole;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The hub's {@code Access} service as this spoke's users reach it: over the spoke's own mutual-TLS channel, each call
 * made for one signed-in user in one of their roles. The hub takes the region from the spoke's certificate.
 */
public final class HubAccess {
    private static final long DEADLINE_SECONDS = 15;

    private final AccessGrpc.AccessBlockingStub hub;

    public HubAccess(Channel channel) {
        this.hub = AccessGrpc.newBlockingStub(channel);
    }

    /** What the hub refused, or could not be asked, as an HTTP status and a message for the user. */
    public static final class Refused extends Exception {
        private final int httpStatus;

        Refused(int httpStatus, String message) {
            super(message);
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    /** Calls the hub for {@code caller} acting as {@code role}, which the caller must hold at this spoke. */
    public <T> T call(Caller caller, Role role, Function<Call, T> call) throws Refused {
        if (!caller.has(role)) {
            throw new Refused(403, "this needs the " + role.spelling() + " role, which " + caller.name() + " does not have here");
        }
        AccessUser user = AccessUser.newBuilder().setName(caller.name()).setRole(switch (role) {
            case CLINICIAN -> UserRole.CLINICIAN;
            case STEWARD -> UserRole.STEWARD;
            case ADMIN -> UserRole.ADMIN;
        }).build();
        try {
            return call.apply(new Call(hub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS), user));
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            String said = s.getDescription() == null ? s.getCode().toString() : s.getDescription();
            switch (s.getCode()) {
                case INVALID_ARGUMENT -> throw new Refused(400, said);
                case PERMISSION_DENIED -> throw new Refused(403, said);
                case NOT_FOUND -> throw new Refused(404, said);
                case FAILED_PRECONDITION, ALREADY_EXISTS -> throw new Refused(409, said);
                case UNAUTHENTICATED -> throw new Refused(502, "the hub refused this spoke's certificate (" + said + "); tell the spoke's admin");
                case DEADLINE_EXCEEDED -> throw new Refused(504, "the hub did not answer in time; whether it acted is not known. "
                        + "Try again: a request sent again with the same client_request_id is not made twice");
                case UNAVAILABLE -> throw new Refused(503, "the hub cannot be reached now, or could not record the action; nothing was done, try again");
                default -> throw new Refused(502, "the hub answered " + s.getCode() + ": " + said);
            }
        }
    }

    /** One call's stub and the user it is made for. */
    public record Call(AccessGrpc.AccessBlockingStub hub, AccessUser user) {
    }
}
