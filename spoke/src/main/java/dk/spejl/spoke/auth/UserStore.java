package dk.spejl.spoke.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The spoke's local users, in one JSON file beside its data ({@code users.json}, mode 0600): each with a name, its
 * roles, an Argon2id password hash and whether it is disabled. {@code spejl-spoke users} changes it while the spoke
 * runs, through {@link PrivateFile}: locked, written whole and renamed into place.
 */
public final class UserStore {
    public static final String FILE = "users.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;
    private final PrivateFile<TreeMap<String, User>> store;

    /** One user as stored. */
    public record User(String name, Set<Role> roles, String passwordHash, boolean disabled, Instant created, Instant changed) {
    }

    /** A change that cannot be made: the message says why. */
    public static final class UserException extends Exception {
        public UserException(String message) {
            super(message);
        }
    }

    public UserStore(Path dataDir, Clock clock) {
        this.file = dataDir.resolve(FILE);
        this.clock = clock;
        this.store = new PrivateFile<>(file, this::parse);
    }

    /** Whether {@code name} is spelt as a user name may be. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public Path file() {
        return file;
    }

    /** Every user, by name. */
    public List<User> list() throws IOException {
        return new ArrayList<>(store.read().values());
    }

    /** The user of that name, as the file says now (read again only when it has changed: the gate asks this for every request). */
    public Optional<User> find(String name) throws IOException {
        return Optional.ofNullable(store.read().get(name));
    }

    public void add(String name, Set<Role> roles, String passwordHash) throws IOException, UserException {
        if (!NAME.matcher(name).matches()) {
            throw new UserException("a user name is 2 to 64 of a-z, 0-9, '.', '_' and '-', beginning with a letter or digit: " + name);
        }
        requireRoles(roles);
        try (PrivateFile.Lock lock = store.lock()) {
            TreeMap<String, User> users = store.readFresh();
            if (users.containsKey(name)) {
                throw new UserException("there is already a user " + name);
            }
            Instant now = clock.instant();
            users.put(name, new User(name, EnumSet.copyOf(roles), passwordHash, false, now, now));
            write(users);
        }
    }

    public void setPassword(String name, String passwordHash) throws IOException, UserException {
        change(name, u -> new User(u.name(), u.roles(), passwordHash, u.disabled(), u.created(), clock.instant()));
    }

    /**
     * Replaces {@code name}'s hash with {@code newHash} (the same password, stronger parameters) only if the stored
     * hash is still {@code oldHash}: a password reset made meanwhile wins. The user's changed time stays, since
     * nothing the admin set has changed, so the user's sessions go on.
     */
    public boolean rehash(String name, String oldHash, String newHash) throws IOException {
        try (PrivateFile.Lock lock = store.lock()) {
            TreeMap<String, User> users = store.readFresh();
            User u = users.get(name);
            if (u == null || !u.passwordHash().equals(oldHash)) {
                return false;
            }
            users.put(name, new User(u.name(), u.roles(), newHash, u.disabled(), u.created(), u.changed()));
            write(users);
            return true;
        }
    }

    public void setDisabled(String name, boolean disabled) throws IOException, UserException {
        change(name, u -> new User(u.name(), u.roles(), u.passwordHash(), disabled, u.created(), clock.instant()));
    }

    public void setRoles(String name, Set<Role> roles) throws IOException, UserException {
        requireRoles(roles);
        change(name, u -> new User(u.name(), EnumSet.copyOf(roles), u.passwordHash(), u.disabled(), u.created(), clock.instant()));
    }

    private static void requireRoles(Set<Role> roles) throws UserException {
        if (roles.isEmpty()) {
            throw new UserException("a user has at least one role: clinician, steward or admin");
        }
    }

    private void change(String name, java.util.function.UnaryOperator<User> change) throws IOException, UserException {
        try (PrivateFile.Lock lock = store.lock()) {
            TreeMap<String, User> users = store.readFresh();
            User user = users.get(name);
            if (user == null) {
                throw new UserException("there is no user " + name);
            }
            users.put(name, change.apply(user));
            write(users);
        }
    }

    private TreeMap<String, User> parse(byte[] bytes) throws IOException {
        TreeMap<String, User> users = new TreeMap<>();
        if (bytes == null) {
            return users;
        }
        JsonNode root = JSON.readTree(bytes);
        JsonNode list = root == null ? null : root.get("users");
        if (list == null || !list.isArray()) {
            throw new IOException(file + " is not a user file: it has no \"users\" list");
        }
        for (JsonNode u : list) {
            try {
                Set<Role> roles = EnumSet.noneOf(Role.class);
                u.get("roles").forEach(r -> roles.add(Role.parse(r.asText())));
                User user = new User(u.get("name").asText(), roles, u.get("password").asText(), u.path("disabled").asBoolean(false),
                        Instant.parse(u.get("created").asText()), Instant.parse(u.get("changed").asText()));
                users.put(user.name(), user);
            } catch (RuntimeException e) {
                throw new IOException(file + " holds a user entry that does not read (" + e.getMessage() + "): " + u.path("name").asText("?"));
            }
        }
        return users;
    }

    private void write(TreeMap<String, User> users) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("users");
        for (User u : users.values()) {
            ObjectNode n = list.addObject().put("name", u.name());
            ArrayNode roles = n.putArray("roles");
            u.roles().forEach(r -> roles.add(r.spelling()));
            n.put("password", u.passwordHash()).put("disabled", u.disabled()).put("created", u.created().toString())
                    .put("changed", u.changed().toString());
        }
        store.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }
}
