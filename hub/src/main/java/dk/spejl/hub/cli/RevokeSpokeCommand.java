package dk.spejl.hub.cli;

import dk.spejl.wire.RevokeSpokeRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "revoke-spoke", mixinStandardHelpOptions = true,
        description = {"Refuses a spoke from now on: its open Watch stream is closed at once and every later call is refused.",
                "The name stays revoked across hub restarts; enrol a replacement under a new name."})
final class RevokeSpokeCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AdminTarget target;
    @Parameters(index = "0", description = "The spoke's name, as given to enroll.")
    String name;
    @picocli.CommandLine.Option(names = "--force", description = "Revoke although the CA's register of issued certificates does not know the name "
            + "(enrolled before the hub kept one, or by a copy of the CA elsewhere).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        return target.run(target.seconds(AdminTarget.STATUS_SECONDS),
                stub -> stub.revokeSpoke(RevokeSpokeRequest.newBuilder().setName(name).setForce(force).build()),
                result -> (result.getNewlyRevoked() ? "revoked " : "already revoked: ") + name + "; "
                        + result.getStreamsClosed() + " open stream(s) closed",
                "not revoked: ");
    }
}
