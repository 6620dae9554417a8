package dk.spejl.spoke.auth;

import java.security.Principal;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who sent a request, as the spoke established it: the user, their roles, and how they signed in
 * ({@code local} password, {@code token} for scripts, or {@code none} on a spoke started without logins, as tests do).
 */
public record Caller(String name, Set<Role> roles, String mode) implements Principal {
    /** Everyone, on a spoke started without logins (tests and benchmarks only; no config file chooses it). */
    public static final Caller ANONYMOUS = new Caller("anonymous", Set.of(Role.CLINICIAN), "none");

    public Caller {
        roles = Set.copyOf(roles);
    }

    @Override
    public String getName() {
        return name;
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** The roles in a fixed order, spelt: {@code clinician, steward}. */
    public String roleList() {
        return roles.stream().sorted().map(Role::spelling).collect(Collectors.joining(", "));
    }
}
