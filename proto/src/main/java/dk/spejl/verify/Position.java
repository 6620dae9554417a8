package dk.spejl.verify;

/** The signed revision a replica holds: its number and its manifest's digest. */
public record Position(long revision, byte[] manifestDigest) {
}
