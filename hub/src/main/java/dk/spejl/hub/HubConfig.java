package dk.spejl.hub;

import dk.spejl.config.ConfigFile;
import dk.spejl.hub.publish.SnapshotPolicy;
import dk.spejl.tls.TlsFiles;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The hub's configuration file. Every setting is listed here, with what it means and its default. */
public record HubConfig(String hubId, Path dataDir, InetSocketAddress replicationAddress, InetSocketAddress adminAddress,
                        TlsFiles tls, TlsFiles operator, Path caKey, Path keysDir, String rootFingerprint, SnapshotPolicy snapshotPolicy, long maxIngestLines,
                        Duration heartbeatInterval, Duration heartbeatValidity, InetSocketAddress opsAddress, Duration readyMargin,
                        Duration restoreWindow) {

    /** Every setting, with what it means and its default; read-only. */
    public static final Map<String, String> SETTINGS;

    static {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("hub.id", "required. The hub's id; every manifest carries it and spokes refuse any other hub's.");
        settings.put("data.dir", "default 'data'. Catalogue (RocksDB) and object store.");
        settings.put("replication.address", "default '0.0.0.0:7443'. Where spokes connect (gRPC over TLS).");
        settings.put("admin.address", "default '127.0.0.1:7444'. Operators' ingest and status service; keep it on loopback.");
        settings.put("tls.certificate", "default 'tls/hub.pem'. The hub's server certificate (ECDSA P-256, PEM).");
        settings.put("tls.private_key", "default 'tls/hub.key'. Its private key (PKCS#8 PEM).");
        settings.put("tls.ca", "default 'tls/ca.pem'. The CA that issued it; spokes and the CLI trust this file.");
        settings.put("admin.client_certificate", "default 'tls/operator.pem'. The operator certificate the CLI presents to the admin service.");
        settings.put("admin.client_key", "default 'tls/operator.key'. Its private key.");
        settings.put("tls.ca_key", "default 'tls/ca.key'. The CA's private key, used by 'enroll' only; keep it readable by operators alone.");
        settings.put("keys.dir", "default 'keys'. The key delegation (delegation.bin) and the online Ed25519 keys it names; 'keys rotate' writes here.");
        settings.put("trust.root_fingerprint", "required. Fingerprint of the offline root key; the hub refuses a key delegation it did not sign.");
        settings.put("snapshot.every_revisions", "default 1000. Write a snapshot (in the background) at least every this many revisions.");
        settings.put("snapshot.delta_fraction", "default 0.25. ...or sooner, once deltas since the last snapshot exceed this fraction of its size.");
        settings.put("snapshot.retained", "default 2. Snapshots kept; deltas are kept back to the oldest of them, the rest is deleted.");
        settings.put("ingest.max_lines", "default 5000000. The most lines one ingest file may hold.");
        settings.put("heartbeat.interval", "default 60s. How often a signed heartbeat of the head is pushed to spokes.");
        settings.put("heartbeat.validity", "default 5m. How long each heartbeat stays valid; a spoke that has none valid reports stale data.");
        settings.put(dk.spejl.config.LogFormat.KEY, dk.spejl.config.LogFormat.DOCUMENTATION);
        settings.put("ops.address", "default '127.0.0.1:7445'. Plain-HTTP operations port: /metrics (Prometheus), /healthz, /readyz; 'off' for none.");
        settings.put("ops.ready_margin", "default 1h. /readyz answers 503 once the key delegation or the hub's TLS certificate expires within this (the alerts warn 14 days ahead).");
        settings.put("restore.window", "default 30s. After 'spejl-hub restore': how long the hub gathers its spokes' revisions after it starts"
                + " before it publishes one revision above the newest, and the least time between two such publishes.");
        SETTINGS = Collections.unmodifiableMap(settings);
    }

    public static HubConfig read(Path file) throws ConfigFile.ConfigException {
        ConfigFile c = ConfigFile.read(file, SETTINGS);
        return new HubConfig(c.required("hub.id"), c.path("data.dir", "data"),
                c.address("replication.address", "0.0.0.0:7443"), c.address("admin.address", "127.0.0.1:7444"),
                new TlsFiles(c.path("tls.certificate", "tls/hub.pem"), c.path("tls.private_key", "tls/hub.key"), c.path("tls.ca", "tls/ca.pem")),
                new TlsFiles(c.path("admin.client_certificate", "tls/operator.pem"), c.path("admin.client_key", "tls/operator.key"),
                        c.path("tls.ca", "tls/ca.pem")),
                c.path("tls.ca_key", "tls/ca.key"),
                c.path("keys.dir", "keys"), c.required("trust.root_fingerprint"),
                new SnapshotPolicy(c.integer("snapshot.every_revisions", 1000), c.decimal("snapshot.delta_fraction", 0.25),
                        c.integer("snapshot.retained", 2)),
                c.integer("ingest.max_lines", 5_000_000),
                c.duration("heartbeat.interval", Duration.ofSeconds(60)), c.duration("heartbeat.validity", Duration.ofMinutes(5)),
                c.string("ops.address", "127.0.0.1:7445").equals("off") ? null : c.address("ops.address", "127.0.0.1:7445"),
                c.duration("ops.ready_margin", Duration.ofHours(1)), c.duration("restore.window", Duration.ofSeconds(30)));
    }

    /** A hub builder set up as this file says. */
    public Hub.Builder toBuilder() {
        return Hub.builder().hubId(hubId).dataDir(dataDir).keys(keysDir, rootFingerprint)
                .tls(tls).replicationAddress(replicationAddress).adminAddress(adminAddress)
                .snapshotPolicy(snapshotPolicy).maxIngestLines(maxIngestLines).heartbeats(heartbeatInterval, heartbeatValidity)
                .ops(opsAddress, readyMargin).restoreWindow(restoreWindow);
    }

    /** The documented settings, as comment lines for a generated config file. */
    public static String documentation() {
        return ConfigFile.documentation(SETTINGS);
    }
}
