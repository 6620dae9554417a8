package dk.spejl.spoke.auth;

/** A PHC string pinned from the reference implementation (see {@link PasswordsTest}), for tests that need a valid hash. */
public final class PasswordsTestVectors {
    public static final String PINNED = PasswordsTest.PINNED;

    private PasswordsTestVectors() {
    }
}
