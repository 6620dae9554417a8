package dk.spejl.config;

import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The daemons' log format, as their config file's {@code logging.format} says: {@code text} (the default) or
 * {@code json}, one JSON object a line with the MDC fields ({@code revision}, {@code request}) for journald or a log
 * shipper. The environment's {@code SPEJL_LOG_FORMAT}, when set, wins. Switching reloads the logback configuration of
 * the distribution (its {@code logback.xml} picks the appender by that name); without logback nothing happens.
 */
public final class LogFormat {
    public static final String KEY = "logging.format";
    public static final String DOCUMENTATION = "default text. How the daemon logs: text, or json (one object a line, "
            + "with the revision and request ids as fields). The environment's SPEJL_LOG_FORMAT wins.";

    private LogFormat() {
    }

    /** Switches to the format the config file names (its other settings are the daemon's to read). */
    public static void from(java.nio.file.Path file, java.util.Map<String, String> known) throws ConfigFile.ConfigException {
        use(ConfigFile.read(file, known).string(KEY, "text"));
    }

    /** Checks {@code format} (text or json) and switches to it. */
    public static void use(String format) throws ConfigFile.ConfigException {
        String chosen = System.getenv("SPEJL_LOG_FORMAT") != null ? System.getenv("SPEJL_LOG_FORMAT") : format.toLowerCase(Locale.ROOT);
        if (!chosen.equals("text") && !chosen.equals("json")) {
            throw new ConfigFile.ConfigException("'" + KEY + "' must be text or json, got '" + chosen + "'");
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context)) {
            return;
        }
        String current = context.getProperty("SPEJL_LOG_FORMAT");
        if (chosen.equals(current == null ? "text" : current)) {
            return; // as configured already
        }
        java.net.URL config = LogFormat.class.getResource("/logback.xml");
        if (config == null) {
            return; // a test or embedded use, configured otherwise
        }
        context.putProperty("SPEJL_LOG_FORMAT", chosen);
        try {
            ch.qos.logback.classic.joran.JoranConfigurator configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
            configurator.setContext(context);
            context.reset();
            context.putProperty("SPEJL_LOG_FORMAT", chosen);
            configurator.doConfigure(config);
        } catch (ch.qos.logback.core.joran.spi.JoranException e) {
            throw new ConfigFile.ConfigException("could not switch the logging to " + chosen + ": " + e.getMessage());
        }
    }
}
