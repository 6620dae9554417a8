package dk.spejl.hub.cli;

import dk.spejl.hub.HubConfig;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.wire.KeyDelegation;
import dk.spejl.wire.SigningKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "show", mixinStandardHelpOptions = true, description = "Prints the key delegation in the hub's keys directory.")
final class KeysShowCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;

    @Override
    public Integer call() throws Exception {
        HubConfig c = HubConfig.read(config);
        HubKeys.Active keys = HubKeys.load(c.keysDir(), c.rootFingerprint(), c.hubId(), Optional.empty(), DelegationVerifier.ANY_TIME);
        KeyDelegation d = keys.parsed();
        long now = System.currentTimeMillis();
        System.out.printf("key delegation version %d for hub %s, root %s%nissued %s, valid until %s%s%n", d.getVersion(), d.getHubId(),
                c.rootFingerprint(), Instant.ofEpochMilli(d.getIssuedAtMillis()), Instant.ofEpochMilli(d.getExpiresAtMillis()),
                d.getExpiresAtMillis() <= now ? " (EXPIRED: rotate now)" : "");
        for (SigningKey key : d.getKeysList()) {
            System.out.println("  key " + key.getKeyId() + (key.getKeyId().equals(keys.signingKeyId()) ? " (signs)" : ""));
        }
        for (String revoked : d.getRevokedKeyIdsList()) {
            System.out.println("  revoked " + revoked);
        }
        return 0;
    }
}
