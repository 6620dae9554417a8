package dk.spejl.hub.cli;

import dk.spejl.config.ConfigFile;
import dk.spejl.hub.HubConfig;
import dk.spejl.hub.access.EnrolmentBundle;
import dk.spejl.tls.TlsFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "enroll", mixinStandardHelpOptions = true,
        description = {"Issues a spoke's client certificate from the hub's CA and writes the bundle its admin installs:",
                "spoke.pem, spoke.key, ca.pem and a spoke.conf with the hub's address and root key fingerprint.",
                "The region is written into the certificate; the hub takes a spoke's region from there and nowhere else."})
final class EnrollCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;
    @Option(names = "--region", required = true, description = "The spoke's region: one of nordjylland, midtjylland, syddanmark, sjaelland, hovedstaden.")
    String region;
    @Option(names = "--name", required = true, description = "The spoke's name, unique per hub, e.g. rm-hpc-1.")
    String name;
    @Option(names = "--hub-address", required = true, description = "host:port at which the spoke reaches the hub.")
    String hubAddress;
    @Option(names = "--out", required = true, description = "Directory to write the bundle to.")
    Path out;

    @Override
    public Integer call() throws Exception {
        EnrolmentBundle bundle;
        try {
            bundle = EnrolmentBundle.forSpoke(name, region);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        HubConfig c = HubConfig.read(config);
        ConfigFile.parseAddress(hubAddress, "--hub-address");
        TlsFiles client = bundle.hub(hubAddress, c.rootFingerprint()).writeTo(c.tls().trustedCa(), c.caKey(), out);
        System.out.println("enrolled spoke " + name + " for region " + region + ": bundle in " + out
                + " (certificate " + client.certificate() + ")");
        System.out.println("hand the directory to the region's HPC admin; start with: spejl-spoke serve --config "
                + out.resolve(EnrolmentBundle.CONFIG_FILE));
        return 0;
    }
}
