package dk.spejl.hub.publish;

/**
 * When to write a snapshot: every {@code everyRevisions} revisions, or sooner when the deltas
 * since the last snapshot exceed {@code deltaFraction} of the snapshot's size (so bootstrapping
 * spokes never replay more than a fraction of the catalogue). Retention keeps the newest
 * {@code retainedSnapshots} snapshots and every delta back to the oldest of them.
 */
public record SnapshotPolicy(int everyRevisions, double deltaFraction, int retainedSnapshots) {

    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(1000, 0.25, 2);

    public SnapshotPolicy {
        if (everyRevisions < 1) {
            throw new IllegalArgumentException("snapshot interval must be at least 1 revision");
        }
        if (deltaFraction <= 0) {
            throw new IllegalArgumentException("delta fraction must be positive");
        }
        if (retainedSnapshots < 1) {
            throw new IllegalArgumentException("at least one snapshot must be retained");
        }
    }

    boolean due(long revision, long lastSnapshotRevision, long deltaBytesSince, long lastSnapshotBytes) {
        return revision - lastSnapshotRevision >= everyRevisions || deltaBytesSince > deltaFraction * lastSnapshotBytes;
    }
}
