package dk.spejl.hub.cli;

import dk.spejl.config.ConfigFile;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.naming.Identifiers;
import dk.spejl.signing.Ed25519;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Creates a hub directory: hub.conf, the first online signing key and its key delegation, and TLS",
                "material (a CA, a server certificate and an operator certificate).",
                "The delegation is signed by the root key at --root-key, which is created there if the file does not exist.",
                "The hub never needs the root key while it runs: move it offline afterwards (docs/security.md, key ceremony)."})
final class InitCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "Directory to create the hub in.")
    Path dir;
    @Option(names = "--hub-id", required = true, description = "The hub's id, e.g. ngc-prod.")
    String hubId;
    @Option(names = "--dns", split = ",", defaultValue = "localhost", description = "DNS names for the server certificate (default: ${DEFAULT-VALUE}).")
    List<String> dns;
    @Option(names = "--ip", split = ",", defaultValue = "127.0.0.1,::1", description = "IP addresses for the server certificate (default: ${DEFAULT-VALUE}).")
    List<String> ips;
    @Option(names = "--replication-address", defaultValue = "0.0.0.0:7443", description = "Where spokes will connect (default: ${DEFAULT-VALUE}).")
    String replicationAddress;
    @Option(names = "--admin-address", defaultValue = "127.0.0.1:7444", description = "Operators' service address (default: ${DEFAULT-VALUE}).")
    String adminAddress;
    @Option(names = "--ops-address", defaultValue = "127.0.0.1:7445",
            description = "Plain-HTTP /metrics, /healthz and /readyz ('off' for none; default: ${DEFAULT-VALUE}).")
    String opsAddress;
    @CommandLine.Mixin
    RootKeyOptions root;

    @Override
    public Integer call() throws Exception {
        Path conf = dir.resolve("hub.conf");
        if (Files.exists(conf)) {
            System.err.println("refusing to overwrite " + conf + ": this directory already holds a hub");
            return 2;
        }
        if (!Identifiers.isHubId(hubId)) {
            System.err.println("hub id must be " + Identifiers.HUB_ID_RULE + ", got '" + hubId + "'");
            return 2;
        }
        root.checkValidity();
        Files.createDirectories(dir.resolve("keys"));
        boolean created = !Files.exists(root.rootKey);
        Ed25519.PrivateKey rootKey = root.readOrCreate();
        HubKeys.Active keys = HubKeys.create(dir.resolve("keys"), rootKey, hubId, Duration.ofDays(root.validDays), Clock.systemUTC());
        ServerPki.create(dir.resolve("tls"), hubId, dns, ips);
        ServerPki.enrol(dir.resolve("tls"), PeerIdentity.operatorSubject("operator"), dir.resolve("tls"), "operator");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("hub.id", hubId);
        settings.put("trust.root_fingerprint", rootKey.publicKey().fingerprint());
        settings.put("data.dir", "data");
        settings.put("replication.address", replicationAddress);
        settings.put("admin.address", adminAddress);
        settings.put("ops.address", opsAddress);
        Files.writeString(conf, ConfigFile.render("Spejl hub configuration. Every setting:", HubConfig.SETTINGS, settings));
        System.out.println("created hub '" + hubId + "' in " + dir);
        System.out.println((created ? "created root key " : "used root key ") + root.rootKey + ": move it offline now;"
                + " the hub runs without it, 'spejl-hub keys rotate' needs it");
        System.out.println("spokes pin this root key fingerprint: " + rootKey.publicKey().fingerprint());
        System.out.println("key delegation version 1 names signing key " + keys.signingKeyId() + ", valid until "
                + Instant.ofEpochMilli(keys.trusted().expiresAtMillis()));
        System.out.println("spokes trust this CA: " + dir.resolve("tls/ca.pem"));
        System.out.println("start it with: spejl-hub serve --config " + conf);
        return 0;
    }
}
