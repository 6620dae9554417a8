package dk.spejl.spoke.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dk.spejl.log.MerkleLog;
import dk.spejl.spoke.browse.BrowseLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The admin's page of the browse log: its newest entries, newest first, and its latest signed checkpoint. */
final class AdminLog {
    static final int SHOWN = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminLog() {
    }

    static Pages.Log page(Frame frame, BrowseLog browseLog) {
        Messages m = frame.m();
        MerkleLog log = browseLog.merkleLog();
        try {
            long size = log.size();
            List<Pages.LogEntry> entries = new ArrayList<>();
            for (long i = size - 1; i >= 0 && i >= size - SHOWN; i--) {
                byte[] raw = log.entry(i).orElse(null);
                if (raw == null) {
                    entries.add(new Pages.LogEntry(Long.toString(i), "", "", "", "", m.lookup("log.missing"), "", ""));
                    continue;
                }
                JsonNode e = JSON.readTree(raw);
                StringBuilder what = new StringBuilder(e.path("what").path("path").asText());
                char sep = '?';
                for (var f : (Iterable<java.util.Map.Entry<String, JsonNode>>) () -> e.path("what").path("query").fields()) {
                    for (JsonNode v : f.getValue()) {
                        what.append(sep).append(f.getKey()).append('=').append(v.asText());
                        sep = '&';
                    }
                }
                entries.add(new Pages.LogEntry(m.number(i), e.path("at").asText(), e.path("who").path("user").asText(),
                        e.path("who").path("mode").asText(), e.path("action").asText(), what.toString(),
                        m.number(e.path("hits").asLong()), e.path("outcome").asText()));
            }
            String checkpoint = log.latestCheckpointNote().orElse(m.lookup("log.no_checkpoint"));
            return new Pages.Log(frame, m.number(size), checkpoint, entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
