package dk.spejl.hub.cli;

import dk.spejl.hub.HubConfig;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.signing.Ed25519;
import dk.spejl.wire.ReloadKeysRequest;
import dk.spejl.wire.ReloadKeysResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Creates a new online signing key and a key delegation one version higher, signed by the root key,",
                "then tells the running hub to sign with it. Watching spokes take it up without restarting.",
                "The previous keys are left out of the new delegation, that is revoked, unless --keep-previous:",
                "spokes refuse anything signed by a revoked key from then on. Use this after a leak or loss of the online key,",
                "and before the delegation expires. Exit codes: 0 rotated, 2 refused (nothing changed) or rotated but not reloaded."})
final class KeysRotateCommand implements Callable<Integer> {
    /** Taking up a new key may publish a revision with a snapshot of the whole catalogue. */
    private static final long RELOAD_SECONDS = 60;
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;
    @CommandLine.Mixin
    RootKeyOptions root;
    @Option(names = "--keep-previous", description = "Keep the current keys valid next to the new one (a planned rotation with overlap).")
    boolean keepPrevious;

    @Override
    public Integer call() throws Exception {
        root.checkValidity();
        HubConfig c = HubConfig.read(config);
        Ed25519.PrivateKey rootKey = root.read();
        if (!rootKey.publicKey().fingerprint().equalsIgnoreCase(c.rootFingerprint())) {
            System.err.println("refused: " + root.rootKey + " is root " + rootKey.publicKey().fingerprint() + ", the hub trusts root "
                    + c.rootFingerprint() + "; nothing changed");
            return 2;
        }
        HubKeys.Rotation rotation = HubKeys.rotate(c.keysDir(), rootKey, c.hubId(), Duration.ofDays(root.validDays), keepPrevious,
                Clock.systemUTC());
        System.out.println("key delegation version " + rotation.version() + ": signing key " + rotation.newKeyId()
                + (rotation.kept().isEmpty() ? "" : ", still valid " + String.join(", ", rotation.kept()))
                + (rotation.revoked().isEmpty() ? "" : ", revoked " + String.join(", ", rotation.revoked()))
                + ", valid until " + rotation.expiresAt());
        AdminTarget target = AdminTarget.of(config);
        try {
            ReloadKeysResult result = target.call(RELOAD_SECONDS, stub -> stub.reloadKeys(ReloadKeysRequest.getDefaultInstance()));
            System.out.println("the running hub now signs with key " + result.getSigningKeyId() + " under delegation version "
                    + result.getDelegationVersion() + (result.getResignedRevision() > 0
                    ? "; it published revision " + result.getResignedRevision() + " under the new key" : ""));
            return 0;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                System.out.println("the hub is not running; it signs with the new key when it starts");
                return 0;
            }
            System.err.println("the delegation is written, but the running hub did not take it up: " + target.explain(e, RELOAD_SECONDS));
            return 2;
        }
    }
}
