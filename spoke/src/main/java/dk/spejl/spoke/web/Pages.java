package dk.spejl.spoke.web;

import java.util.List;
import java.util.Optional;

/** The small pages' models: sign in, an error, and the admin's view of the browse log. */
public final class Pages {
    private Pages() {
    }

    /** The login form: where to go after, the name typed, and what went wrong last time. */
    public record Login(Frame frame, String next, String name, Optional<String> error, Optional<String> notice) {
    }

    public record Error(Frame frame, int status, String title, String detail) {
    }

    public record Log(Frame frame, String size, String checkpoint, List<LogEntry> entries) {
    }

    public record LogEntry(String index, String at, String user, String mode, String action, String what, String hits, String outcome) {
    }
}
