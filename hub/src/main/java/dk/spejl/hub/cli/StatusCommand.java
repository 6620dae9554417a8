package dk.spejl.hub.cli;

import dk.spejl.wire.HubStatus;
import dk.spejl.wire.SpokeLag;
import dk.spejl.wire.SpokeState;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Prints the running hub's head revision, its keys, and every enrolled spoke, connected or not: the revision it",
                "applied, how far behind it is, when it last reported and what it refused. A spoke is named ok, behind (it lacks a",
                "revision published more than a minute ago), silent (no report for two minutes; spokes report every 30 s) or never_seen.",
                "Exit codes: 0 shown, 2 the hub cannot be asked."})
final class StatusCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AdminTarget target;
    @CommandLine.Option(names = "--json", description = "The same as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try {
            HubStatus s = target.status(target.seconds(AdminTarget.STATUS_SECONDS));
            if (json) {
                System.out.println(com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence()
                        .print(s));
                return 0;
            }
            System.out.printf("hub %s%nrevision %d (published %s)%nentries %d%nstate digest %s%nmanifest digest %s%nlatest snapshot revision %d%n",
                    s.getHubId(), s.getRevision(), Instant.ofEpochMilli(s.getPublishedAtMillis()), s.getEntryCount(),
                    s.getStateDigest(), s.getManifestDigest(), s.getSnapshotRevision());
            System.out.printf("signing key %s under key delegation version %d, valid until %s%nroot %s%n", s.getSigningKeyId(),
                    s.getDelegationVersion(), Instant.ofEpochMilli(s.getDelegationExpiresAtMillis()), s.getRootFingerprint());
            if (s.getRejectionsCount() > 0) {
                System.out.println("clients refused since start: " + s.getRejectionsMap().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
            }
            long notOk = s.getEnrolledList().stream().filter(e -> !e.getCondition().equals("ok")).count();
            System.out.printf("spokes: %d enrolled, %d connected, %d not ok%n", s.getEnrolledCount(),
                    s.getEnrolledList().stream().filter(SpokeState::getConnected).count(), notOk);
            if (s.getEnrolledCount() > 0) {
                System.out.printf("  %-16s %-12s %-10s %-9s %8s %7s %9s  %-20s %s%n", "SPOKE", "REGION", "CONDITION", "CONNECTED",
                        "REVISION", "BEHIND", "LAG", "LAST SEEN", "REFUSED");
            }
            for (SpokeState e : s.getEnrolledList()) {
                System.out.printf("  %-16s %-12s %-10s %-9s %8s %7d %9s  %-20s %s%n", e.getName(), e.getRegion(), e.getCondition().toUpperCase(),
                        e.getConnected() ? "yes" : "no", e.getReported() && e.getHasState() ? Long.toString(e.getAppliedRevision()) : "-",
                        e.getBehindRevisions(), e.getReported() ? String.format("%.0f s", e.getLagSeconds()) : "-",
                        e.getLastSeenMillis() == 0 ? "never" : Instant.ofEpochMilli(e.getLastSeenMillis()).toString().substring(0, 19) + "Z",
                        e.getVerificationFailuresMap().entrySet().stream().map(f -> f.getKey() + " " + f.getValue()).collect(Collectors.joining(", ")));
            }
            System.out.println("streams open: " + s.getSpokesCount());
            for (SpokeLag spoke : s.getSpokesList()) {
                System.out.printf("  %-16s %-12s %-22s sent revision %d%n", spoke.getName(), spoke.getRegion(), spoke.getPeer(), spoke.getRevision());
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println(target.explain(e, target.seconds(AdminTarget.STATUS_SECONDS)));
            return 2;
        }
    }
}
