package dk.spejl.spoke.web;

import java.text.NumberFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * Every word the web app shows, in Danish ({@code web/messages_da.properties}, the default) or English
 * ({@code messages_en}). Templates ask {@link #lookup} and {@link #format}, and escape what they get like any other text (no
 * message is written unescaped). A key missing from a bundle shows as {@code ⟦key⟧} on the
 * page, and a test fails for it first.
 */
public final class Messages {
    public static final List<String> LANGUAGES = List.of("da", "en");
    public static final String DEFAULT = "da";
    static final String BUNDLE = "web.messages";
    private static final ZoneId DENMARK = ZoneId.of("Europe/Copenhagen");
    private static final Map<String, Messages> ALL = Map.of("da", new Messages("da"), "en", new Messages("en"));

    private final String language;
    private final Locale locale;
    private final ResourceBundle bundle;
    private final DateTimeFormatter time;

    private Messages(String language) {
        this.language = language;
        this.locale = Locale.forLanguageTag(language);
        this.bundle = ResourceBundle.getBundle(BUNDLE, locale, ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
        this.time = DateTimeFormatter.ofPattern(bundle.getString("format.time"), locale).withZone(DENMARK);
    }

    /** The messages of {@code language}, or the Danish ones for a language the app does not speak. */
    public static Messages of(String language) {
        return ALL.getOrDefault(language, ALL.get(DEFAULT));
    }

    public String language() {
        return language;
    }

    /** The other language, for the switch. */
    public String other() {
        return language.equals("da") ? "en" : "da";
    }

    public String lookup(String key) {
        try {
            return bundle.getString(key);
        } catch (MissingResourceException e) {
            return "⟦" + key + "⟧";
        }
    }

    /** The message {@code key} with {@code {0}}, {@code {1}}, ... replaced by the arguments. */
    public String format(String key, Object... args) {
        String text = lookup(key);
        for (int i = 0; i < args.length; i++) {
            text = text.replace("{" + i + "}", String.valueOf(args[i]));
        }
        return text;
    }

    public boolean has(String key) {
        return bundle.containsKey(key);
    }

    /** A value of a filter field as a person reads it: {@code cram} → CRAM, {@code germline} → kimbane; other values as they are. */
    public String value(String field, String value) {
        String key = "value." + field + "." + value;
        return bundle.containsKey(key) ? bundle.getString(key) : value;
    }

    /** A size in decimal units, as a file manager shows it: {@code 19,1 GB}. */
    public String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        NumberFormat f = NumberFormat.getNumberInstance(locale);
        f.setMaximumFractionDigits(unit == 0 || value >= 100 ? 0 : 1);
        return f.format(value) + " " + units[unit];
    }

    public String number(long n) {
        return NumberFormat.getIntegerInstance(locale).format(n);
    }

    /** A moment as a clock in Denmark shows it. */
    public String time(Instant at) {
        return time.format(at);
    }

    /** How long ago, in words: "for 3 sekunder siden", "3 seconds ago". */
    public String ago(Duration d) {
        long s = Math.max(0, d.getSeconds());
        String unit;
        long n;
        if (s < 60) {
            n = s;
            unit = "second";
        } else if (s < 3600) {
            n = s / 60;
            unit = "minute";
        } else if (s < 86_400) {
            n = s / 3600;
            unit = "hour";
        } else {
            n = s / 86_400;
            unit = "day";
        }
        return format("ago", format("ago." + unit + (n == 1 ? ".one" : ".many"), n));
    }
}
