package dk.spejl.spoke.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.digest.Sha256;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bearer tokens for scripts ({@code tokens.json} beside the data, mode 0600), each of one local user and with that
 * user's roles. A token is {@code spejl_<id>_<secret>}: the id names it in lists and logs, the secret (32 random
 * bytes) is shown once, at creation, and only its SHA-256 is stored. A token works until it expires or is revoked,
 * and only while its user exists and is enabled.
 */
public final class TokenStore {
    public static final String FILE = "tokens.json";
    private static final Pattern TOKEN = Pattern.compile("spejl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrivateFile<TreeMap<String, Token>> store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /** One token as stored: never its secret. */
    public record Token(String id, String user, String label, String secretSha256, Instant created, Optional<Instant> expires,
                        Optional<Instant> revoked) {
        public boolean live(Instant now) {
            return revoked.isEmpty() && expires.map(now::isBefore).orElse(true);
        }
    }

    /** A token just made: the whole token, to show once, and its stored form. */
    public record Created(String token, Token stored) {
    }

    public TokenStore(Path dataDir, Clock clock) {
        this.store = new PrivateFile<>(dataDir.resolve(FILE), TokenStore::parse);
        this.clock = clock;
    }

    public Path file() {
        return store.path();
    }

    /** A new token for {@code user}; {@code lifetime} empty for one that does not expire. */
    public Created create(String user, String label, Optional<Duration> lifetime) throws IOException {
        byte[] idBytes = new byte[6];
        byte[] secretBytes = new byte[32];
        random.nextBytes(idBytes);
        random.nextBytes(secretBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        Instant now = clock.instant();
        Token token = new Token(id, user, label, digest(secret), now, lifetime.map(now::plus), Optional.empty());
        try (PrivateFile.Lock lock = store.lock()) {
            TreeMap<String, Token> tokens = store.readFresh();
            tokens.put(id, token);
            write(tokens);
        }
        return new Created("spejl_" + id + "_" + secret, token);
    }

    public List<Token> list() throws IOException {
        return new ArrayList<>(store.read().values());
    }

    /** Revokes the token with this id; false when there is none. */
    public boolean revoke(String id) throws IOException {
        try (PrivateFile.Lock lock = store.lock()) {
            TreeMap<String, Token> tokens = store.readFresh();
            Token t = tokens.get(id);
            if (t == null) {
                return false;
            }
            if (t.revoked().isEmpty()) {
                tokens.put(id, new Token(t.id(), t.user(), t.label(), t.secretSha256(), t.created(), t.expires(), Optional.of(clock.instant())));
                write(tokens);
            }
            return true;
        }
    }

    /** The live token {@code presented} is, if it is one: its secret compared with the stored digest in constant time. */
    public Optional<Token> verify(String presented) throws IOException {
        Matcher m = TOKEN.matcher(presented);
        if (!m.matches()) {
            return Optional.empty();
        }
        Token t = store.read().get(m.group(1));
        if (t == null || !t.live(clock.instant())) {
            return Optional.empty();
        }
        boolean same = MessageDigest.isEqual(digest(m.group(2)).getBytes(StandardCharsets.US_ASCII), t.secretSha256().getBytes(StandardCharsets.US_ASCII));
        return same ? Optional.of(t) : Optional.empty();
    }

    private static String digest(String secret) {
        return Sha256.hex(Sha256.of(secret.getBytes(StandardCharsets.US_ASCII)));
    }

    private void write(TreeMap<String, Token> tokens) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("tokens");
        for (Token t : tokens.values()) {
            ObjectNode n = list.addObject().put("id", t.id()).put("user", t.user()).put("label", t.label()).put("sha256", t.secretSha256())
                    .put("created", t.created().toString());
            t.expires().ifPresent(e -> n.put("expires", e.toString()));
            t.revoked().ifPresent(r -> n.put("revoked", r.toString()));
        }
        store.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static TreeMap<String, Token> parse(byte[] bytes) throws IOException {
        TreeMap<String, Token> tokens = new TreeMap<>();
        if (bytes == null) {
            return tokens;
        }
        JsonNode list = JSON.readTree(bytes).get("tokens");
        if (list == null || !list.isArray()) {
            throw new IOException("not a token file: it has no \"tokens\" list");
        }
        for (JsonNode n : list) {
            try {
                Token t = new Token(n.get("id").asText(), n.get("user").asText(), n.path("label").asText(""), n.get("sha256").asText(),
                        Instant.parse(n.get("created").asText()), optional(n, "expires"), optional(n, "revoked"));
                tokens.put(t.id(), t);
            } catch (RuntimeException e) {
                throw new IOException("a token entry does not read (" + e.getMessage() + "): " + n.path("id").asText("?"));
            }
        }
        return tokens;
    }

    private static Optional<Instant> optional(JsonNode n, String field) {
        return n.hasNonNull(field) ? Optional.of(Instant.parse(n.get(field).asText())) : Optional.empty();
    }
}
