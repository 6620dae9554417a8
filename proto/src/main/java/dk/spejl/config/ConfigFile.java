package dk.spejl.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * A daemon's configuration file: {@code key = value} lines, {@code #} comments. Every key must
 * be one the daemon documents; a misspelt key is an error, not a silently ignored line.
 * Relative paths are resolved against the file's own directory.
 */
public final class ConfigFile {
    private final Path file;
    private final Properties values;

    private ConfigFile(Path file, Properties values) {
        this.file = file;
        this.values = values;
    }

    /**
     * @param known every key the daemon accepts, with its documentation
     */
    public static ConfigFile read(Path file, Map<String, String> known) throws ConfigException {
        Properties values = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            values.load(reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(values.stringPropertyNames())) {
            if (!known.containsKey(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(file + ": unknown setting(s) " + unknown + "; known settings are " + new TreeSet<>(known.keySet()));
        }
        return new ConfigFile(file.toAbsolutePath(), values);
    }

    /** The documented settings as comment lines, for the config files the tools write. */
    public static String documentation(Map<String, String> settings) {
        StringBuilder out = new StringBuilder();
        settings.forEach((key, doc) -> out.append("# ").append(key).append(": ").append(doc).append('\n'));
        return out.toString();
    }

    /**
     * A config file as the tools write it: {@code header} and every documented setting as comment
     * lines, then {@code values} in their order. Each value must be a documented setting on one line,
     * so a file the tools write always reads back.
     */
    public static String render(String header, Map<String, String> known, Map<String, String> values) {
        StringBuilder out = new StringBuilder("# ").append(header).append('\n').append(documentation(known)).append('\n');
        values.forEach((key, value) -> {
            if (!known.containsKey(key)) {
                throw new IllegalArgumentException("'" + key + "' is not a documented setting");
            }
            if (value.isBlank() || value.contains("\n") || value.contains("\r")) {
                throw new IllegalArgumentException("the value of '" + key + "' must be one non-blank line");
            }
            out.append(key).append(" = ").append(value).append('\n');
        });
        return out.toString();
    }

    /** The settings the file gives, as written (trimmed), in key order. */
    public Map<String, String> values() {
        Map<String, String> given = new java.util.TreeMap<>();
        for (String key : values.stringPropertyNames()) {
            given.put(key, values.getProperty(key).trim());
        }
        return given;
    }

    public String string(String key, String fallback) {
        String value = values.getProperty(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public String required(String key) throws ConfigException {
        String value = string(key, null);
        if (value == null) {
            throw new ConfigException(file + ": missing required setting '" + key + "'");
        }
        return value;
    }

    public Path path(String key, String fallback) {
        String value = string(key, fallback);
        return value == null ? null : file.getParent().resolve(value).normalize();
    }

    public Path requiredPath(String key) throws ConfigException {
        return file.getParent().resolve(required(key)).normalize();
    }

    public int integer(String key, int fallback) throws ConfigException {
        String value = string(key, null);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ConfigException(file + ": '" + key + "' must be a whole number, got '" + value + "'");
        }
    }

    public double decimal(String key, double fallback) throws ConfigException {
        String value = string(key, null);
        try {
            return value == null ? fallback : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new ConfigException(file + ": '" + key + "' must be a number, got '" + value + "'");
        }
    }

    public boolean bool(String key, boolean fallback) throws ConfigException {
        String value = string(key, null);
        if (value == null) {
            return fallback;
        }
        if (!value.equals("true") && !value.equals("false")) {
            throw new ConfigException(file + ": '" + key + "' must be true or false, got '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    /** Durations as ISO-8601 ("PT5M") or a number with s, m or h ("90s", "5m"). */
    public Duration duration(String key, Duration fallback) throws ConfigException {
        String value = string(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new ConfigException(file + ": '" + key + "' must be a duration like 90s, 5m, 2h, 7d or PT1H, got '" + value + "'");
        }
    }

    /** host:port, with [::1]:port for IPv6. */
    public InetSocketAddress address(String key, String fallback) throws ConfigException {
        String value = string(key, fallback);
        return parseAddress(value, file + ": '" + key + "'");
    }

    public static InetSocketAddress parseAddress(String value, String what) throws ConfigException {
        int colon = value == null ? -1 : value.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException(what + " must be host:port, got '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new ConfigException(what + " has a bad port in '" + value + "'");
        }
    }

    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }
}
