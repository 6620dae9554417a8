package dk.spejl.hub.cli;

import dk.spejl.hub.HubConfig;
import dk.spejl.hub.catalogue.CatalogueStore;
import dk.spejl.hub.publish.CatalogueCheck;
import dk.spejl.hub.publish.SmallObjectStore;
import dk.spejl.hub.publish.TieredObjectStore;
import dk.spejl.hub.publish.fs.FileObjectStore;
import dk.spejl.hub.trust.HubKeys;
import dk.spejl.verify.DelegationVerifier;
import dk.spejl.verify.TrustedKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks everything the hub serves against its signed head (like cvmfs_server check): the head's signature,",
                "the chain of retained manifests, every object they and the retained snapshots name (present, of its size, hashing",
                "to its name), and the records against the head's state digest. Safe beside a running hub: it only reads.",
                "Exit codes: 0 all checked, 1 something is wrong (each problem is printed), 2 cannot run."})
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The hub's config file.")
    Path config;

    @Override
    public Integer call() throws Exception {
        HubConfig c = HubConfig.read(config);
        TrustedKeys trust = HubKeys.load(c.keysDir(), c.rootFingerprint(), c.hubId(), Optional.empty(), DelegationVerifier.ANY_TIME).trusted();
        long started = System.nanoTime();
        CatalogueCheck.Outcome outcome;
        try (CatalogueStore store = CatalogueStore.openReadOnly(c.dataDir().resolve("catalogue"))) {
            outcome = CatalogueCheck.run(store, new TieredObjectStore(new SmallObjectStore(store.database()),
                    new FileObjectStore(c.dataDir().resolve("objects"))), trust);
        }
        if (outcome.ok()) {
            System.out.printf("checked: head revision %d; %d records add up to its signed state; %d objects (%d bytes) hash to their names;"
                    + " in %.1f s%n", outcome.revision(), outcome.records(), outcome.objects(), outcome.bytes(), (System.nanoTime() - started) / 1e9);
            return 0;
        }
        System.err.println("NOT ok: " + outcome.problems().size() + " problem(s) at head revision " + outcome.revision() + ":");
        outcome.problems().forEach(p -> System.err.println("  " + p));
        return 1;
    }
}
