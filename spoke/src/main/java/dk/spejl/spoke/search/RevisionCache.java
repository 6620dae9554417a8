package dk.spejl.spoke.search;

import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.NRTCachingDirectory;

import java.io.IOException;

/**
 * The index's directory: a revision's small flushed segment stays in memory until it is merged or committed
 * (Lucene's {@link NRTCachingDirectory}), and so do the two kinds of file Lucene writes for it without saying
 * they belong to a flush: its field infos and the temporary files in which it sorts its stored fields. On disk
 * those cost a file creation, a memory mapping and an unmapping at every revision, and the unmapping yields the
 * core: under search load that was most of the time from a revision's commit to searchable (docs/benchmarks.md,
 * issue 13, third measurement).
 */
final class RevisionCache extends NRTCachingDirectory {
    private static final double MAX_SEGMENT_MB = 8;
    private static final double MAX_CACHED_MB = 48;
    private static final long MAX_CACHED_BYTES = (long) (MAX_CACHED_MB * 1024 * 1024);

    /** Set while a temporary file of a flush's stored fields is being created on this thread. */
    private final ThreadLocal<Boolean> storedFieldsTemp = ThreadLocal.withInitial(() -> false);

    RevisionCache(Directory delegate) {
        super(delegate, MAX_SEGMENT_MB, MAX_CACHED_MB);
    }

    @Override
    public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
        // Sorting a flush's stored fields writes them to temporary files named after the real ones (_h8.fdt…), and
        // their index to temporary files of its own (_h8…FieldsIndex…).
        storedFieldsTemp.set(prefix.endsWith(".fdt") || prefix.endsWith(".fdx") || prefix.endsWith(".fdm") || suffix.contains("FieldsIndex"));
        try {
            return super.createTempOutput(prefix, suffix, context);
        } finally {
            storedFieldsTemp.set(false);
        }
    }

    @Override
    protected boolean doCacheWrite(String name, IOContext context) {
        if (super.doCacheWrite(name, context)) {
            return true;
        }
        if (context.mergeInfo != null || context.flushInfo != null || ramBytesUsed() >= MAX_CACHED_BYTES) {
            return false; // a merge's or a flush's file too large for the cache, or a full cache
        }
        return name.endsWith(".fnm") || storedFieldsTemp.get();
    }
}
