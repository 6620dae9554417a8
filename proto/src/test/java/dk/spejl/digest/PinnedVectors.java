package dk.spejl.digest;

/**
 * State digests pinned when the construction was fixed. If one of these changes, every
 * deployed spoke would disagree with a new hub: change the schema version, not the vector.
 */
final class PinnedVectors {
    static final String SINGLE_RECORD_STATE_DIGEST = "255801252c9c3d1f38e6088499c70942d3cc88362b12a22c58e60f2afea8b6d5";
    static final String TWO_RECORD_STATE_DIGEST = "fc1a41db9d63b8e07c86dee089ac4d9144f43f1960184a287d53004857ad702d";

    private PinnedVectors() {
    }
}
