package dk.spejl.hub.cli;

import dk.spejl.wire.RevokeOperatorRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "revoke-operator", mixinStandardHelpOptions = true,
        description = {"Refuses an operator certificate from now on, across hub restarts (after a leaked or lost operator key).",
                "Call it with another operator's certificate (admin.client_certificate): no operator revokes its own.",
                "Issue a replacement with 'spejl-hub enroll-operator' under a new name."})
final class RevokeOperatorCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AdminTarget target;
    @Parameters(index = "0", description = "The operator's name, as in its certificate (init creates 'operator').")
    String name;
    @picocli.CommandLine.Option(names = "--force", description = "Revoke although the CA's register of issued certificates does not know the name "
            + "(enrolled before the hub kept one, or by a copy of the CA elsewhere).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        return target.run(target.seconds(AdminTarget.STATUS_SECONDS),
                stub -> stub.revokeOperator(RevokeOperatorRequest.newBuilder().setName(name).setForce(force).build()),
                result -> (result.getNewlyRevoked() ? "revoked operator " : "already revoked: operator ") + name,
                "not revoked: ");
    }
}
