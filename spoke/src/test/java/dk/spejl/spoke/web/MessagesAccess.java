package dk.spejl.spoke.web;

/** The web app's words, for tests outside this package. */
public record MessagesAccess(String language) {
    public String value(String field, String value) {
        return Messages.of(language).value(field, value);
    }

    public static String lookup(String language, String key) {
        return Messages.of(language).lookup(key);
    }
}
