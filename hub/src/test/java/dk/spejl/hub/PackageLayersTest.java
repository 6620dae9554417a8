package dk.spejl.hub;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub's packages are layered (docs/design.md, "Modules and packages"): each may use only the
 * packages before it in {@link #LAYERS}; the front door in the root package may use all but the
 * command line, which sits on top of everything.
 */
class PackageLayersTest {
    private static final List<String> LAYERS = List.of("catalogue", "publish", "replication", "access", "trust");
    /** What each of the other packages may use. */
    private static final Map<String, Set<String>> OTHERS = Map.of(
            "sample", Set.of("catalogue"),
            "", Set.of("catalogue", "publish", "replication", "access", "trust"),
            "cli", Set.of("", "catalogue", "publish", "replication", "access", "trust", "sample"));
    private static final Pattern USE = Pattern.compile("dk\\.spejl\\.hub\\.(?:([a-z]+)\\.)?[A-Z]");
    private static final Path SOURCES = Path.of("src/main/java/dk/spejl/hub");

    @Test
    void eachHubPackageUsesOnlyThePackagesBelowIt() throws IOException {
        List<String> breaches = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = packageOf(file);
                Set<String> allowed = allowed(pkg);
                Matcher use = USE.matcher(Files.readString(file));
                while (use.find()) {
                    String used = use.group(1) == null ? "" : use.group(1);
                    if (!used.equals(pkg) && !allowed.contains(used)) {
                        breaches.add(SOURCES.relativize(file) + " (" + name(pkg) + ") uses " + name(used));
                    }
                }
            }
        }
        assertThat(breaches).isEmpty();
    }

    @Test
    void theCheckSeesTheHubsSources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            assertThat(files.filter(f -> f.toString().endsWith(".java")).map(PackageLayersTest::packageOf).distinct())
                    .containsExactlyInAnyOrder("", "catalogue", "publish", "replication", "access", "trust", "cli", "sample");
        }
        assertThat(allowed("publish")).containsExactly("catalogue");
        assertThat(allowed("catalogue")).isEmpty();
    }

    private static Set<String> allowed(String pkg) {
        int layer = LAYERS.indexOf(pkg);
        if (layer >= 0) {
            return Set.copyOf(LAYERS.subList(0, layer));
        }
        Set<String> others = OTHERS.get(pkg);
        if (others == null) {
            throw new AssertionError("package dk.spejl.hub." + pkg + " has no place in the layers: add it to docs/design.md and here");
        }
        return others;
    }

    /** The hub package a file is in, below dk.spejl.hub ("" for the root, "publish" for publish/fs). */
    private static String packageOf(Path file) {
        Path relative = SOURCES.relativize(file.getParent());
        return relative.toString().isEmpty() ? "" : relative.getName(0).toString();
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "the root package" : pkg;
    }
}
