package dk.spejl.digest;

import dk.spejl.wire.Record;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;

/**
 * The state digest recomputed from every record, as the spoke's {@code verify} and the hub's {@code check} do it:
 * records are read in id order on the calling thread and cut into blocks, whose lanes are added up on the common fork-join pool (expanding a
 * record is most of the cost; lattices add in any order). At most a few blocks wait at a time, and
 * while they do the reading thread folds blocks itself, so memory stays flat however large the
 * replica and every core works.
 */
public final class StateRecomputation {
    private static final int BLOCK = 1024;
    private static final int MAX_PROBLEMS = 5;

    private final LtHash lattice = LtHash.empty();
    private final List<String> problems = new ArrayList<>();
    private final Semaphore inFlight = new Semaphore(2 * (ForkJoinPool.getCommonPoolParallelism() + 1));
    private final List<CompletableFuture<Void>> blocks = new ArrayList<>();
    private List<String> ids = new ArrayList<>(BLOCK);
    private List<byte[]> values = new ArrayList<>(BLOCK);
    private long count;

    /** Adds one record, in any order: its id (as it is stored) and its canonical bytes. */
    public void add(String id, byte[] canonical) {
        count++;
        ids.add(id);
        values.add(canonical);
        if (ids.size() == BLOCK) {
            submit();
        }
    }

    private void submit() {
        List<String> blockIds = ids;
        List<byte[]> blockValues = values;
        ids = new ArrayList<>(BLOCK);
        values = new ArrayList<>(BLOCK);
        if (!inFlight.tryAcquire()) {
            // The pool is busy: the reading thread folds this block itself rather than wait.
            fold(blockIds, blockValues);
            return;
        }
        blocks.removeIf(CompletableFuture::isDone);
        blocks.add(CompletableFuture.runAsync(() -> {
            try {
                fold(blockIds, blockValues);
            } finally {
                inFlight.release();
            }
        }, ForkJoinPool.commonPool()));
    }

    private void fold(List<String> blockIds, List<byte[]> blockValues) {
        LtHash part = LtHash.empty();
        List<String> found = new ArrayList<>();
        for (int i = 0; i < blockIds.size(); i++) {
            String id = blockIds.get(i);
            try {
                if (!Record.parseFrom(blockValues.get(i)).getId().equals(id)) {
                    found.add("record stored under " + id + " carries another id");
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                found.add("record " + id + " does not parse");
            }
            part.addCanonical(blockValues.get(i));
        }
        synchronized (this) {
            lattice.combine(part);
            for (String problem : found) {
                if (problems.size() < MAX_PROBLEMS) {
                    problems.add(problem);
                }
            }
        }
    }

    /** Folds the last, partial block and waits for every block; call it once, after the last record. */
    public void finish() {
        if (!ids.isEmpty()) {
            submit();
        }
        blocks.forEach(CompletableFuture::join);
    }

    /** The recomputed state digest, after {@link #finish()}. */
    public synchronized byte[] digest() {
        return lattice.digest();
    }

    public long count() {
        return count;
    }

    /** The first few records whose stored id and own id differ, or that do not parse. */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }
}
