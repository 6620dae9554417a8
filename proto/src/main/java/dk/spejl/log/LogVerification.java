package dk.spejl.log;

/** What {@link MerkleLog#verify} found: the entries and checkpoints read, and the first entry found bad (−1: none). */
public record LogVerification(long entries, int checkpoints, long firstBad, String problem) {
    public boolean ok() {
        return firstBad < 0;
    }

    /** Says what was found, as the {@code audit verify} commands do, and gives their exit code: 0 verified, 1 not. */
    public int report(java.io.PrintStream out, java.io.PrintStream err) {
        if (ok()) {
            out.printf("verified: %d entries, %d signed checkpoints%n", entries, checkpoints);
            return 0;
        }
        err.printf("NOT verified: first bad index %d: %s%n", firstBad, problem);
        return 1;
    }
}
