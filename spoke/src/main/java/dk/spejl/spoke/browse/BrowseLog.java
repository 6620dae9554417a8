package dk.spejl.spoke.browse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dk.spejl.log.MerkleLog;
import dk.spejl.signing.Ed25519;
import dk.spejl.signing.KeyFiles;
import dk.spejl.spoke.auth.Caller;
import dk.spejl.spoke.http.HttpRequest;
import dk.spejl.spoke.http.HttpResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every search, record view and subject view at the spoke, in a tamper-evident log ({@link MerkleLog} in
 * {@code browse-log/} of the data dir, its checkpoints signed with the spoke's own Ed25519 key in
 * {@code browse-log.key}). An entry says who (user, role, login mode), what (the query or id, the hits and the
 * ids shown), when, and the outcome, and is durable before the answer is sent: an answer whose entry cannot be
 * written is not given.
 */
public final class BrowseLog implements AutoCloseable {
    public static final String DIR = "browse-log";
    public static final String KEY_FILE = "browse-log.key";
    /** A checkpoint after this many entries or this long, whichever comes first. */
    public static final MerkleLog.Policy POLICY = new MerkleLog.Policy(1_000, Duration.ofMinutes(1));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MerkleLog log;
    private final Clock clock;

    private BrowseLog(MerkleLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** The log's name in its checkpoints: the spoke's. */
    public static String origin(String spokeName) {
        return "spejl/" + spokeName + "/browse";
    }

    /** Opens (or creates, with a new key) the browse log of the spoke named {@code spokeName} in {@code dataDir}. */
    public static BrowseLog open(Path dataDir, String spokeName, Clock clock) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        if (!Files.exists(file)) {
            if (Files.exists(dataDir.resolve(DIR))) {
                // A new key would sign on over entries that the old one's checkpoints vouch for: they would no longer verify.
                throw new IOException("the browse log at " + dataDir.resolve(DIR) + " has lost its key " + file
                        + "; put the key back (from a backup) before the spoke starts");
            }
            Files.createDirectories(dataDir);
            KeyFiles.writePrivate(file, Ed25519.generate(new SecureRandom()));
        }
        return new BrowseLog(MerkleLog.open(dataDir.resolve(DIR), origin(spokeName), key(dataDir), POLICY, clock), clock);
    }

    /** The spoke's browse-log key (made at the first start; never made here). */
    public static Ed25519.PrivateKey key(Path dataDir) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        if (!Files.exists(file)) {
            throw new IOException("there is no browse-log key at " + file);
        }
        return KeyFiles.readPrivate(file);
    }

    public MerkleLog merkleLog() {
        return log;
    }

    /**
     * Appends what {@code request} asked and what it was shown; returns once the entry is durable.
     *
     * @param action  search, record, subject or counts
     * @param hits    how many records the answer found (−1 when it found none to count, as for a refusal)
     * @param shown   the ids of the records the answer shows
     * @param outcome the HTTP status of the answer
     */
    public void record(HttpRequest request, String action, long hits, List<String> shown, int outcome, long revision) throws IOException {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("at", clock.instant().toString());
        ObjectNode who = entry.putObject("who");
        Caller caller = request.user().orElse(Caller.ANONYMOUS);
        who.put("user", caller.name());
        who.put("roles", caller.roleList());
        who.put("mode", caller.mode());
        entry.put("action", action);
        ObjectNode what = entry.putObject("what");
        what.put("path", request.path());
        ObjectNode query = what.putObject("query");
        new TreeMap<>(request.query()).forEach((name, values) -> {
            ArrayNode list = query.putArray(name);
            values.forEach(list::add);
        });
        entry.put("hits", hits);
        ArrayNode ids = entry.putArray("shown");
        shown.forEach(ids::add);
        entry.put("outcome", outcome);
        entry.put("revision", revision);
        log.append(JSON.writeValueAsBytes(entry));
    }

    /** What an answer showed, for its entry: filled in by the handler as it answers. */
    public static final class Seen {
        public long hits = -1;
        public List<String> shown = List.of();
        public long revision = -1;
    }

    /** How a caller's answers look when the spoke cannot give the one asked for (JSON for the API, a page for a person). */
    @FunctionalInterface
    public interface Failure {
        HttpResponse answer(int status, String message);
    }

    /**
     * Answers {@code request} with {@code handler}, logging what it was shown durably before the answer goes: no
     * entry, no answer (503). A handler that throws is logged with the 500 it becomes.
     */
    public HttpResponse answer(HttpRequest request, String action, java.util.function.Function<Seen, HttpResponse> handler, Failure failure) {
        Seen seen = new Seen();
        HttpResponse answer;
        try {
            answer = handler.apply(seen);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(BrowseLog.class).warn("{} {} failed: {}", request.method(), request.path(), e.toString());
            answer = failure.answer(500, "the spoke could not answer this request");
        }
        try {
            record(request, action, seen.hits, seen.shown, answer.status(), seen.revision);
            return answer;
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(BrowseLog.class).error("the browse log cannot be written: {}", e.toString());
            return failure.answer(503, "the spoke cannot write its browse log, so it shows nothing until it can");
        }
    }

    /** The entries' fields as they were written (for {@code spejl-spoke audit list}). */
    public static Map<String, Object> read(byte[] entry) throws IOException {
        return JSON.readValue(entry, new com.fasterxml.jackson.core.type.TypeReference<TreeMap<String, Object>>() { });
    }

    @Override
    public void close() {
        log.close();
    }
}
