package dk.spejl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.cli.HubCli;
import dk.spejl.spoke.SpokeCli;
import dk.spejl.spoke.SpokeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests and the Containerfile against what the daemons actually read and serve: each config file
 * in a ConfigMap is read by the daemon's own config parser (an unknown key fails it), the ports it names are the
 * container's, the probes are on the port that serves /healthz and /readyz, the data directory is on the volume, the
 * TLS files are in the mounted Secret, the command is a script of the distribution and a subcommand of its CLI.
 */
class ManifestsTest {
    private static final Path K8S = Path.of("kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path tmp;

    private static Map<String, JsonNode> documents(Path file) throws Exception {
        Map<String, JsonNode> byKind = new HashMap<>();
        try (var docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = (JsonNode) docs.next();
                assertThat(byKind.put(doc.path("kind").asText(), doc)).as("one " + doc.path("kind").asText() + " in " + file).isNull();
            }
        }
        return byKind;
    }

    /** The container's named ports. */
    private static Map<String, Integer> ports(JsonNode container) {
        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        return ports;
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m.path("mountPath").asText();
            }
        }
        throw new AssertionError("no mount of volume " + volume);
    }

    /** What every StatefulSet here must be: one container, non-root, read-only root, probes on a named port, /tmp writable. */
    private static JsonNode container(Map<String, JsonNode> docs, String probePort) {
        JsonNode set = docs.get("StatefulSet");
        assertThat(set).as("a StatefulSet").isNotNull();
        assertThat(docs).containsKeys("NetworkPolicy", "PodDisruptionBudget", "Service", "ConfigMap", "Secret");
        JsonNode pod = set.path("spec").path("template").path("spec");
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        JsonNode c = pod.path("containers").get(0);
        assertThat(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(mountPath(c, "tmp")).isEqualTo("/tmp");
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(c.path("livenessProbe").path("httpGet").path("port").asText()).isEqualTo(probePort);
        assertThat(c.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo(probePort);
        assertThat(set.path("spec").path("volumeClaimTemplates").get(0).path("metadata").path("name").asText()).isEqualTo("data");
        for (JsonNode p : docs.get("Service").path("spec").path("ports")) {
            assertThat(ports(c)).as("the Service's target port").containsKey(p.path("targetPort").asText());
        }
        // The volumes the container mounts are the pod's (or the claim template's).
        List<String> volumes = new ArrayList<>(List.of("data"));
        pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        c.path("volumeMounts").forEach(m -> assertThat(volumes).contains(m.path("name").asText()));
        return c;
    }

    /** The ConfigMap's file, written out to be read as the daemon reads it. */
    private Path configFile(Map<String, JsonNode> docs, String name) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, docs.get("ConfigMap").path("data").path(name).asText());
        return file;
    }

    private static void secretHolds(Map<String, JsonNode> docs, JsonNode container, String volume, Path... files) {
        String mount = mountPath(container, volume);
        for (Path f : files) {
            assertThat(f.getParent().toString()).as(f + " is in the mounted Secret").isEqualTo(mount);
            assertThat(docs.get("Secret").path("stringData").has(f.getFileName().toString())).as(f.getFileName() + " in the Secret").isTrue();
        }
    }

    @Test
    void theHubsManifestsMatchWhatTheHubReadsAndServes() throws Exception {
        Map<String, JsonNode> docs = documents(K8S.resolve("hub.yaml"));
        JsonNode c = container(docs, "ops");
        HubConfig config = HubConfig.read(configFile(docs, "hub.conf"));
        assertThat(ports(c)).containsEntry("replication", config.replicationAddress().getPort()).containsEntry("ops", config.opsAddress().getPort());
        assertThat(config.opsAddress().getAddress().isAnyLocalAddress()).as("reachable by the kubelet's probes").isTrue();
        String data = mountPath(c, "data");
        assertThat(config.dataDir().toString()).startsWith(data + "/");
        assertThat(config.keysDir().toString()).startsWith(data + "/");
        secretHolds(docs, c, "tls", config.tls().certificate(), config.tls().privateKey(), config.tls().trustedCa());
        assertThat(mountPath(c, "config")).isEqualTo("/etc/spejl/hub.conf");
        List<String> command = YAML.convertValue(c.path("command"), List.class);
        assertThat(command).containsExactly("/opt/spejl/bin/spejl-hub", "serve", "--config", "/etc/spejl/hub.conf");
        assertThat(Path.of("src/main/dist/bin/spejl-hub")).exists();
        assertThat(HubCli.commandLine().getSubcommands()).containsKey("serve");
        List<Integer> allowed = new ArrayList<>();
        docs.get("NetworkPolicy").path("spec").path("ingress").forEach(r -> r.path("ports").forEach(p -> allowed.add(p.path("port").asInt())));
        assertThat(allowed).containsExactlyInAnyOrder(config.replicationAddress().getPort(), config.opsAddress().getPort());
    }

    @Test
    void theSpokesManifestsMatchWhatTheSpokeReadsAndServes() throws Exception {
        Map<String, JsonNode> docs = documents(K8S.resolve("spoke.yaml"));
        JsonNode c = container(docs, "http");
        SpokeConfig config = SpokeConfig.read(configFile(docs, "spoke.conf"));
        assertThat(ports(c)).containsEntry("http", config.httpAddress().getPort());
        assertThat(config.dataDir().toString()).startsWith(mountPath(c, "data") + "/");
        secretHolds(docs, c, "enrolment", config.tls().certificate(), config.tls().privateKey(), config.tls().trustedCa());
        List<String> command = YAML.convertValue(c.path("command"), List.class);
        assertThat(command).containsExactly("/opt/spejl/bin/spejl-spoke", "serve", "--config", "/etc/spejl/spoke.conf");
        assertThat(Path.of("src/main/dist/bin/spejl-spoke")).exists();
        assertThat(SpokeCli.commandLine().getSubcommands()).containsKey("serve");
        List<Integer> egress = new ArrayList<>();
        docs.get("NetworkPolicy").path("spec").path("egress").forEach(r -> r.path("ports").forEach(p -> egress.add(p.path("port").asInt())));
        assertThat(egress).as("out to the hub").contains(config.hubAddress().getPort());
    }

    @Test
    void theImageRunsAsTheManifestsUserNotRoot() throws Exception {
        String containerfile = Files.readString(Path.of("container/Containerfile"));
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(containerfile);
        assertThat(user.find()).as("a numeric USER").isTrue();
        assertThat(Integer.parseInt(user.group(1))).isPositive();
        assertThat(containerfile).contains("COPY deploy/target/spejl /opt/spejl", "VOLUME [\"/var/lib/spejl\"]");
        for (String manifest : List.of("hub.yaml", "spoke.yaml")) {
            JsonNode pod = documents(K8S.resolve(manifest)).get("StatefulSet").path("spec").path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsUser").asText()).as(manifest).isEqualTo(user.group(1));
            assertThat(mountPath(pod.path("containers").get(0), "data")).as(manifest).isEqualTo("/var/lib/spejl");
        }
    }
}
