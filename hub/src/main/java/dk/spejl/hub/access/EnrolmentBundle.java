package dk.spejl.hub.access;

import dk.spejl.config.ConfigFile;
import dk.spejl.config.SpokeSettings;
import dk.spejl.naming.Identifiers;
import dk.spejl.naming.Regions;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a region's HPC admin installs to run a spoke: its client certificate from the hub's CA,
 * with the region written into it (the hub takes a spoke's region from there and nowhere else),
 * its key, the CA, and a {@code spoke.conf} that names the hub and pins its root key.
 */
public final class EnrolmentBundle {
    private final String name;
    private final String region;
    private final Map<String, String> settings = new LinkedHashMap<>();

    private EnrolmentBundle(String name, String region) {
        this.name = name;
        this.region = region;
    }

    /**
     * @throws IllegalArgumentException when the name or the region is not one a spoke can have
     */
    public static EnrolmentBundle forSpoke(String name, String region) {
        if (!Regions.isRegion(region)) {
            throw new IllegalArgumentException("region must be one of " + String.join(", ", Regions.ALL) + ", got '" + region + "'");
        }
        if (!Identifiers.isSpokeName(name)) {
            throw new IllegalArgumentException("spoke name must be " + Identifiers.SPOKE_NAME_RULE + ", got '" + name + "'");
        }
        EnrolmentBundle bundle = new EnrolmentBundle(name, region);
        bundle.settings.put("spoke.name", name);
        return bundle;
    }

    /**
     * The hub the spoke follows: where it answers (host:port) and the fingerprint of its root key.
     *
     * @throws IllegalArgumentException when the address is not host:port
     */
    public EnrolmentBundle hub(String address, String rootFingerprint) {
        try {
            ConfigFile.parseAddress(address, "the hub's address");
        } catch (ConfigFile.ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        settings.put("hub.address", address);
        settings.put("hub.ca", "ca.pem");
        settings.put("hub.root_fingerprint", rootFingerprint);
        settings.put("tls.certificate", "spoke.pem");
        settings.put("tls.private_key", "spoke.key");
        settings.put("data.dir", "data");
        return this;
    }

    /** Sets one more of the spoke's settings ({@link SpokeSettings}) in the bundle's {@code spoke.conf}. */
    public EnrolmentBundle with(String setting, String value) {
        if (!SpokeSettings.NAMES.containsKey(setting)) {
            throw new IllegalArgumentException("'" + setting + "' is not a spoke setting");
        }
        settings.put(setting, value);
        return this;
    }

    /**
     * Issues the spoke's certificate from the CA in {@code caDir} ({@code ca.pem}, {@code ca.key}) and writes the bundle into {@code out}.
     *
     * @return the spoke's TLS files, as written
     */
    public TlsFiles writeTo(Path caDir, Path out) throws IOException {
        return writeTo(caDir.resolve("ca.pem"), caDir.resolve("ca.key"), out);
    }

    /** As {@link #writeTo(Path, Path)}, with the CA's certificate and private key where they are (the key perhaps offline). */
    public TlsFiles writeTo(Path caCertificate, Path caKey, Path out) throws IOException {
        if (!settings.containsKey("hub.address")) {
            throw new IllegalStateException("a bundle names its hub");
        }
        Files.createDirectories(out);
        TlsFiles client = ServerPki.enrol(caCertificate, caKey, PeerIdentity.spokeSubject(name, region), out, "spoke");
        Files.writeString(out.resolve(CONFIG_FILE),
                ConfigFile.render("Spejl spoke configuration, written by 'spejl-hub enroll'. Every setting:", SpokeSettings.NAMES, settings));
        return client;
    }

    /** The name of the config file in a bundle. */
    public static final String CONFIG_FILE = "spoke.conf";
}
