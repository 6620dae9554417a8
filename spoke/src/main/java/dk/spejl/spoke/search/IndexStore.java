package dk.spejl.spoke.search;

import dk.spejl.digest.Sha256;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The search index on disk: its directory, its writer's configuration, and what its last commit says it holds (the
 * revision, the manifest digest and the layout). An index that cannot be opened, or is of another layout, opens as
 * holding nothing, so that it is rebuilt from the replica.
 */
final class IndexStore {
    private static final Logger log = LoggerFactory.getLogger(IndexStore.class);
    static final String REVISION = "spejl.revision";
    static final String MANIFEST = "spejl.manifest";
    static final String SCHEMA = "spejl.schema";

    private IndexStore() {
    }

    /** An opened index: revision −1 (and no manifest) when it holds nothing usable. */
    record Opened(Directory directory, IndexWriter writer, long revision, byte[] manifest) {
    }

    /** Opens the index in {@code dir}, or with {@code create} starts a new one whatever was there. */
    static Opened open(Path dir, FacetTuples facets, boolean create) throws IOException {
        // Segments flushed for each revision stay in memory until they are merged into larger ones: a reopen per
        // revision then costs no file creation or mapping (Lucene's near-real-time set-up).
        Directory directory = new RevisionCache(FSDirectory.open(dir));
        Map<String, String> committed = Map.of();
        IndexWriter opened = null;
        if (!create) {
            try {
                committed = committed(directory);
                opened = new IndexWriter(directory, config(IndexWriterConfig.OpenMode.CREATE_OR_APPEND, facets));
            } catch (org.apache.lucene.store.LockObtainFailedException e) {
                directory.close();
                throw new IOException("the search index at " + dir + " is in use by another process (is the spoke running?)", e);
            } catch (IOException | IllegalArgumentException e) {
                // IllegalArgumentException: an index sorted otherwise than this version sorts (an older layout).
                log.warn("the search index at {} cannot be opened ({}); it is rebuilt from the replica", dir, e.toString());
                committed = Map.of();
            }
        }
        IndexWriter writer = opened != null ? opened : created(directory, facets);
        if (!committed.isEmpty() && !RecordDocuments.SCHEMA.equals(committed.get(SCHEMA))) {
            log.info("the search index at {} has the layout of an older version ({}); it is rebuilt from the replica", dir,
                    committed.getOrDefault(SCHEMA, "1"));
            committed = Map.of();
        }
        return new Opened(directory, writer, Long.parseLong(committed.getOrDefault(REVISION, "-1")),
                committed.containsKey(MANIFEST) ? Sha256.parseHex(committed.get(MANIFEST)) : null);
    }

    /** Commits what the writer holds as revision {@code revision} of the manifest {@code manifest}, in this layout. */
    static void commit(IndexWriter writer, long revision, byte[] manifest) throws IOException {
        Map<String, String> data = new HashMap<>();
        data.put(REVISION, Long.toString(revision));
        data.put(SCHEMA, RecordDocuments.SCHEMA);
        if (manifest != null) {
            data.put(MANIFEST, Sha256.hex(manifest));
        }
        writer.setLiveCommitData(data.entrySet());
        writer.commit();
    }

    /**
     * A new, empty index in {@code directory}, whatever was there: a damaged index cannot even be replaced by Lucene's
     * CREATE, which reads the last commit. The files go only while this process holds the index's lock.
     */
    private static IndexWriter created(Directory directory, FacetTuples facets) throws IOException {
        try (org.apache.lucene.store.Lock lock = directory.obtainLock(IndexWriter.WRITE_LOCK_NAME)) {
            for (String file : directory.listAll()) {
                if (!file.equals(IndexWriter.WRITE_LOCK_NAME)) {
                    directory.deleteFile(file);
                }
            }
        }
        return new IndexWriter(directory, config(IndexWriterConfig.OpenMode.CREATE, facets));
    }

    static IndexWriterConfig config(IndexWriterConfig.OpenMode mode, FacetTuples facets) {
        // No compound files: each revision's flush would copy its segment's files once more. A merged segment's facet
        // column is built on the merge's thread, before any reader sees the segment, not on the way to searchable.
        return new IndexWriterConfig(RecordDocuments.analyzer()).setOpenMode(mode).setRAMBufferSizeMB(48).setCommitOnClose(false)
                .setUseCompoundFile(false).setMergePolicy(noCompoundFiles()).setMergedSegmentWarmer(facets::column)
                .setIndexSort(SearchQuery.DEFAULT_ORDER.lucene())
                // No merging on refresh: Lucene would wait up to 500 ms for it on the way to searchable.
                .setMaxFullFlushMergeWaitMillis(0).setMergeScheduler(mergeScheduler());
    }

    /**
     * Merges at full speed: Lucene's automatic I/O throttle starts near 20 MB/s, at which the merge of a fresh
     * build's segments (about 120 MB at a million records) took 21 s, with every revision's refresh meanwhile
     * waiting for a core behind it (docs/benchmarks.md, issue 13, third measurement).
     */
    private static org.apache.lucene.index.ConcurrentMergeScheduler mergeScheduler() {
        org.apache.lucene.index.ConcurrentMergeScheduler scheduler = new org.apache.lucene.index.ConcurrentMergeScheduler();
        scheduler.disableAutoIOThrottle();
        return scheduler;
    }

    /**
     * Merges a build's segments into one, on Lucene's merge thread while searches are answered. Left to Lucene's
     * policy, they are merged together when some revision's refresh happens to tip the count, and every revision
     * waits behind that merge (docs/benchmarks.md, issue 13, third measurement); one segment is also what searches
     * are fastest over. Later revisions' small segments are merged as the policy decides.
     */
    static void mergeToOne(IndexWriter writer) {
        try {
            writer.forceMerge(1, false);
        } catch (IOException | RuntimeException e) {
            log.warn("could not start merging the search index's segments: {}; they are merged as Lucene's policy decides", e.toString());
        }
    }

    /**
     * Whether the last commit holds an index as a build leaves it: several segments of a good share of the records
     * each, which Lucene's merge policy would merge together only when a revision's refresh happens to ask for it.
     */
    static boolean unmerged(Directory directory) throws IOException {
        if (!DirectoryReader.indexExists(directory)) {
            return false;
        }
        SegmentInfos infos = SegmentInfos.readLatestCommit(directory);
        long docs = infos.totalMaxDoc();
        long large = 0;
        for (org.apache.lucene.index.SegmentCommitInfo info : infos) {
            if (info.info.maxDoc() * 20L >= docs) {
                large++;
            }
        }
        return large >= 3;
    }

    private static org.apache.lucene.index.MergePolicy noCompoundFiles() {
        org.apache.lucene.index.TieredMergePolicy policy = new org.apache.lucene.index.TieredMergePolicy();
        policy.setNoCFSRatio(0.0);
        return policy;
    }

    private static Map<String, String> committed(Directory directory) throws IOException {
        if (!DirectoryReader.indexExists(directory)) {
            return Map.of();
        }
        return SegmentInfos.readLatestCommit(directory).getUserData();
    }
}
