package dk.spejl.hub.cli;

import dk.spejl.hub.HubConfig;
import dk.spejl.naming.Identifiers;
import dk.spejl.tls.PeerIdentity;
import dk.spejl.tls.ServerPki;
import dk.spejl.tls.TlsFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "enroll-operator", mixinStandardHelpOptions = true,
        description = {"Issues an operator certificate from the hub's CA (operator.pem, operator.key and ca.pem in --out).",
                "Point admin.client_certificate and admin.client_key at them to act as that operator."})
final class EnrollOperatorCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;
    @Option(names = "--name", required = true, description = "The operator's name, unique per hub, e.g. anna-ngc.")
    String name;
    @Option(names = "--out", required = true, description = "Directory to write the certificate and key to.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Identifiers.isSpokeName(name)) {
            System.err.println("operator name must be " + Identifiers.SPOKE_NAME_RULE + ", got '" + name + "'");
            return 2;
        }
        HubConfig c = HubConfig.read(config);
        TlsFiles files = ServerPki.enrol(c.tls().trustedCa(), c.caKey(), PeerIdentity.operatorSubject(name), out, "operator");
        System.out.println("enrolled operator " + name + ": " + files.certificate() + " and " + files.privateKey());
        return 0;
    }
}
