package dk.spejl.hub.cli;

import dk.spejl.hub.Hub;
import dk.spejl.hub.HubConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Runs the hub until stopped (SIGTERM or Ctrl-C).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;

    @Override
    public Integer call() throws Exception {
        HubConfig c = HubConfig.read(config);
        dk.spejl.config.LogFormat.from(config, HubConfig.SETTINGS);
        Hub hub = c.toBuilder().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            hub.close();
            stopped.countDown();
        }, "hub-shutdown"));
        System.out.println("hub " + c.hubId() + " ready: replication port " + hub.replicationPort() + ", admin port " + hub.adminPort());
        stopped.await();
        return 0;
    }
}
