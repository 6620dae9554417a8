package dk.spejl.spoke.web;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every label the pages use is in both languages, and neither bundle holds a key the other lacks. */
class MessagesTest {
    private static final Pattern USED = Pattern.compile("(?:lookup|format)\\(\"([a-z_.]*[a-z_])\"");

    private static Properties bundle(String language) throws IOException {
        Properties p = new Properties();
        try (InputStream in = MessagesTest.class.getResourceAsStream("/web/messages_" + language + ".properties")) {
            p.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
        }
        return p;
    }

    @Test
    void danishAndEnglishHoldTheSameKeys() throws IOException {
        Set<String> da = bundle("da").stringPropertyNames();
        Set<String> en = bundle("en").stringPropertyNames();
        assertThat(new TreeSet<>(da)).as("keys in messages_da but not messages_en, or the reverse").isEqualTo(new TreeSet<>(en));
        for (String language : Messages.LANGUAGES) {
            bundle(language).forEach((k, v) -> assertThat(v.toString()).as(language + " " + k).isNotBlank());
        }
    }

    @Test
    void everyKeyThePagesAskForIsInBothLanguages() throws IOException {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("src/main/jte")), Files.walk(Path.of("src/main/java/dk/spejl/spoke/web")))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Matcher m = USED.matcher(Files.readString(f));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        // Keys made from values: roles, filter fields, the values of the enumerated fields, and the units of "ago".
        for (String role : Set.of("clinician", "steward", "admin")) {
            used.add("role." + role);
        }
        for (String field : Set.of("owner_region", "owner_unit", "file_format", "file_role", "platform", "sample_kind", "library_strategy",
                "reference_genome", "status", "data_use")) {
            used.add("field." + field);
        }
        for (String unit : Set.of("second", "minute", "hour", "day")) {
            used.add("ago." + unit + ".one");
            used.add("ago." + unit + ".many");
        }
        assertThat(used).as("keys found in the pages").hasSizeGreaterThan(80);
        for (String language : Messages.LANGUAGES) {
            Messages m = Messages.of(language);
            assertThat(used.stream().filter(k -> !m.has(k)).toList()).as("keys missing from messages_" + language).isEmpty();
        }
    }

    @Test
    void enumeratedValuesReadAsWordsInBothLanguages() {
        for (String language : Messages.LANGUAGES) {
            Messages m = Messages.of(language);
            for (var e : java.util.Map.of("status", dk.spejl.wire.Status.getDescriptor(), "sample_kind", dk.spejl.wire.SampleKind.getDescriptor(),
                    "file_format", dk.spejl.wire.FileFormat.getDescriptor(), "platform", dk.spejl.wire.Platform.getDescriptor()).entrySet()) {
                e.getValue().getValues().stream().filter(v -> v.getNumber() != 0).forEach(v ->
                        assertThat(m.has("value." + e.getKey() + "." + dk.spejl.spoke.browse.RecordJson.spell(v))).as(language + " " + e.getKey() + " " + v).isTrue());
            }
            dk.spejl.naming.Regions.ALL.forEach(r -> assertThat(m.has("value.owner_region." + r)).as(language + " " + r).isTrue());
        }
    }

    @Test
    void sizesTimesAndAgesReadNaturally() {
        Messages da = Messages.of("da");
        Messages en = Messages.of("en");
        assertThat(da.size(19_051_684_952L)).isEqualTo("19,1 GB");
        assertThat(en.size(19_051_684_952L)).isEqualTo("19.1 GB");
        assertThat(da.size(999)).isEqualTo("999 B");
        assertThat(da.ago(java.time.Duration.ofSeconds(3))).isEqualTo("for 3 sekunder siden");
        assertThat(da.ago(java.time.Duration.ofSeconds(61))).isEqualTo("for 1 minut siden");
        assertThat(en.ago(java.time.Duration.ofHours(5))).isEqualTo("5 hours ago");
        assertThat(Messages.of("fr").language()).as("a language the app does not speak").isEqualTo("da");
        assertThat(da.lookup("no.such.key")).isEqualTo("⟦no.such.key⟧");
    }
}
