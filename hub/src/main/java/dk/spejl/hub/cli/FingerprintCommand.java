package dk.spejl.hub.cli;

import dk.spejl.hub.HubConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "fingerprint", mixinStandardHelpOptions = true, description = "Prints the root key fingerprint that spokes pin.")
final class FingerprintCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;

    @Override
    public Integer call() throws Exception {
        System.out.println(HubConfig.read(config).rootFingerprint());
        return 0;
    }
}
