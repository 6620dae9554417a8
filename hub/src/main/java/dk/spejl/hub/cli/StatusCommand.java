package dk.spejl.hub.cli;

import dk.spejl.wire.HubStatus;
import dk.spejl.wire.SpokeLag;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Prints the running hub's head revision and its watching spokes.")
final class StatusCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AdminTarget target;

    @Override
    public Integer call() throws Exception {
        try {
            HubStatus s = target.status(target.seconds(AdminTarget.STATUS_SECONDS));
            System.out.printf("hub %s%nrevision %d (published %s)%nentries %d%nstate digest %s%nmanifest digest %s%nlatest snapshot revision %d%n",
                    s.getHubId(), s.getRevision(), Instant.ofEpochMilli(s.getPublishedAtMillis()), s.getEntryCount(),
                    s.getStateDigest(), s.getManifestDigest(), s.getSnapshotRevision());
            System.out.printf("signing key %s under key delegation version %d, valid until %s%nroot %s%n", s.getSigningKeyId(),
                    s.getDelegationVersion(), Instant.ofEpochMilli(s.getDelegationExpiresAtMillis()), s.getRootFingerprint());
            if (s.getRejectionsCount() > 0) {
                System.out.println("clients refused since start: " + s.getRejectionsMap().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            }
            System.out.println("spokes watching: " + s.getSpokesCount());
            for (SpokeLag spoke : s.getSpokesList()) {
                System.out.printf("  %-14s %-12s %-22s sent revision %d (%d behind)%n", spoke.getName(), spoke.getRegion(),
                        spoke.getPeer(), spoke.getRevision(), s.getRevision() - spoke.getRevision());
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println(target.explain(e, target.seconds(AdminTarget.STATUS_SECONDS)));
            return 2;
        }
    }
}
