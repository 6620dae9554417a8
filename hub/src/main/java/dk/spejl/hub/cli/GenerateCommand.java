package dk.spejl.hub.cli;

import dk.spejl.hub.sample.CatalogueGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Writes a deterministic synthetic catalogue as an ingest file (no real patient data).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "Seed; the same seed and size give the same file (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--records", required = true, description = "How many records.")
    long records;
    @Option(names = "--out", description = "Output file (default: standard output).")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (PrintWriter writer = new PrintWriter(new BufferedWriter(out == null
                ? new OutputStreamWriter(System.out, StandardCharsets.UTF_8)
                : Files.newBufferedWriter(out, StandardCharsets.UTF_8), 1 << 16))) {
            new CatalogueGenerator(seed).generate(records, r -> writer.println(CatalogueGenerator.putLine(r)));
        }
        return 0;
    }
}
