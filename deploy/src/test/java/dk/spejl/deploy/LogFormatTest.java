package dk.spejl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.config.ConfigFile;
import dk.spejl.config.LogFormat;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The distribution's logging as {@code logging.format = json} makes it: one JSON object a line, the revision a field. */
class LogFormatTest {
    @Test
    void jsonLinesCarryTheRevisionAndABadFormatIsRefused() throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LogFormat.use("json");
            try (var revision = MDC.putCloseable("revision", "42")) {
                LoggerFactory.getLogger("dk.spejl.test").info("applied revision {}", 42);
            }
        } finally {
            System.setOut(before);
            LogFormat.use("text");
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("applied revision")).findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("loggerName").asText()).isEqualTo("dk.spejl.test");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("applied revision 42");
        assertThat(json.path("mdc").path("revision").asText()).isEqualTo("42");
        assertThatThrownBy(() -> LogFormat.use("xml")).isInstanceOf(ConfigFile.ConfigException.class).hasMessageContaining("text or json");
    }

    @Test
    void aDaemonOrCommandPrintsItsOwnLinesAndNoneOfTheLoggingsSetUp() throws Exception {
        // A fresh JVM with the distribution's logback.xml (not the tests' own), as bin/spejl-hub and bin/spejl-spoke start one.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "-Dlogback.configurationFile=" + Path.of("src/main/resources/logback.xml").toAbsolutePath(), OneLine.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).isZero();
        assertThat(output).as("logback's status lines").doesNotContain("ch.qos.logback", "|-INFO", "|-WARN");
        assertThat(output.lines().toList()).as(output).hasSize(1).first().asString().contains("INFO", "one line");
    }

    /** Logs one line, in a JVM of its own. */
    public static final class OneLine {
        public static void main(String[] args) {
            LoggerFactory.getLogger(OneLine.class).info("one line");
        }
    }
}
