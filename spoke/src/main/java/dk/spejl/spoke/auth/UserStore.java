package dk.spejl.spoke.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 * runs; every change writes a new file and renames it into place, so that a reader sees the old file or the new
 * one, never half of one, and a crash loses at most the change being made.
 */
public final class UserStore {
    public static final String FILE = "users.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;

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
    }

    public Path file() {
        return file;
    }

    /** Every user, by name. */
    public List<User> list() throws IOException {
        return new ArrayList<>(read().values());
    }

    public Optional<User> find(String name) throws IOException {
        return Optional.ofNullable(read().get(name));
    }

    public void add(String name, Set<Role> roles, String passwordHash) throws IOException, UserException {
        if (!NAME.matcher(name).matches()) {
            throw new UserException("a user name is 2 to 64 of a-z, 0-9, '.', '_' and '-', beginning with a letter or digit: " + name);
        }
        requireRoles(roles);
        try (Lock lock = locked()) {
            TreeMap<String, User> users = read();
            if (users.containsKey(name)) {
                throw new UserException("there is already a user " + name);
            }
            Instant now = clock.instant();
            users.put(name, new User(name, EnumSet.copyOf(roles), passwordHash, false, now, now));
            write(users);
        }
    }

    /**
     * An exclusive lock on {@code users.json.lock}, held for one read-modify-write: the spoke and any number of
     * {@code spejl-spoke users} runs may change the file at once, and none loses another's change.
     */
    private Lock locked() throws IOException {
        Files.createDirectories(file.getParent());
        IN_PROCESS.lock(); // a file lock is the process's: two holders in one process would overlap
        try {
            FileChannel channel = FileChannel.open(file.resolveSibling(FILE + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                channel.lock();
                return new Lock(channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            IN_PROCESS.unlock();
            throw e;
        }
    }

    private static final java.util.concurrent.locks.ReentrantLock IN_PROCESS = new java.util.concurrent.locks.ReentrantLock();

    /** Held for one change; closing it releases the file lock, then the process's. */
    private record Lock(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                IN_PROCESS.unlock();
            }
        }
    }

    public void setPassword(String name, String passwordHash) throws IOException, UserException {
        change(name, u -> new User(u.name(), u.roles(), passwordHash, u.disabled(), u.created(), clock.instant()));
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
        try (Lock lock = locked()) {
            TreeMap<String, User> users = read();
            User user = users.get(name);
            if (user == null) {
                throw new UserException("there is no user " + name);
            }
            users.put(name, change.apply(user));
            write(users);
        }
    }

    private TreeMap<String, User> read() throws IOException {
        TreeMap<String, User> users = new TreeMap<>();
        if (!Files.exists(file)) {
            return users;
        }
        JsonNode root = JSON.readTree(file.toFile());
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
        Path temp = Files.createTempFile(file.getParent(), FILE + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself survives a crash
        }
    }
}
