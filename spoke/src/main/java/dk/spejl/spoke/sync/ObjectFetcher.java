package dk.spejl.spoke.sync;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.verify.MalformedException;
import dk.spejl.verify.ObjectCheck;
import dk.spejl.verify.ObjectSizeException;
import dk.spejl.verify.VerificationException;
import dk.spejl.wire.GetObjectRequest;
import dk.spejl.wire.ObjectChunk;
import dk.spejl.wire.ObjectRef;
import dk.spejl.wire.ReplicationGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Fetches an object by digest. Transfers resume from the last byte received, a stream that
 * runs past the signed size is cut off at once (endless data), and the result is accepted
 * only when it hashes to the signed digest (invariant 4). Bytes are hashed as they arrive.
 *
 * <p>Snapshot chunks are streamed to a file ({@link #fetchTo}), so an object of any size passes
 * through a bounded heap. The objects a spoke must parse whole, a delta or a snapshot index,
 * are held in memory ({@link #fetch}) and bounded by {@link #maxBufferedBytes()}; a delta above
 * that makes the spoke fail the revision, and after a few tries rebuild from a snapshot.
 */
public final class ObjectFetcher {
    private static final Logger log = LoggerFactory.getLogger(ObjectFetcher.class);
    /** No object a spoke holds in memory is larger than this, whatever its heap; a manifest that says otherwise is refused. */
    public static final long MAX_OBJECT_BYTES = 512L << 20;
    private final Channel channel;
    private final long deadlineMillis;
    private final int attempts;

    /** Receives an object's bytes in order, as they arrive. */
    @FunctionalInterface
    private interface Sink {
        void write(ByteString data, long at) throws IOException;
    }

    /**
     * @param deadline how long one transfer may take
     * @param attempts how many transfers (the first and the resumed ones) before the fetch fails
     */
    public ObjectFetcher(Channel channel, java.time.Duration deadline, int attempts) {
        this.channel = channel;
        this.deadlineMillis = deadline.toMillis();
        this.attempts = attempts;
    }

    /** The largest object {@link #fetch} holds in memory: {@link #MAX_OBJECT_BYTES}, or a quarter of the heap if that is less. */
    public static long maxBufferedBytes() {
        return Math.min(MAX_OBJECT_BYTES, Runtime.getRuntime().maxMemory() / 4);
    }

    /** Fetches an object into memory, for one that is parsed whole. */
    public byte[] fetch(ObjectRef ref) throws VerificationException, IOException, InterruptedException {
        long limit = maxBufferedBytes();
        if (ref.getSize() > limit) {
            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray()) + " claims "
                    + ref.getSize() + " bytes, more than the " + limit + " this spoke holds in memory (a quarter of its heap, at most "
                    + MAX_OBJECT_BYTES + ")");
        }
        byte[] out = new byte[(int) ref.getSize()];
        transfer(ref, (data, at) -> data.copyTo(out, (int) at));
        return out;
    }

    /**
     * Streams an object into {@code file}, replacing what is there; nothing of it is held in memory beyond one
     * message. When this returns, the file holds exactly the signed object.
     */
    public void fetchTo(ObjectRef ref, Path file) throws VerificationException, IOException, InterruptedException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            transfer(ref, (data, at) -> {
                ByteBuffer buffer = data.asReadOnlyByteBuffer();
                long position = at;
                while (buffer.hasRemaining()) {
                    position += out.write(buffer, position);
                }
            });
        }
    }

    private void transfer(ObjectRef ref, Sink sink) throws VerificationException, IOException, InterruptedException {
        MessageDigest digest = Sha256.newDigest();
        long offset = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                ServerStream<GetObjectRequest, ObjectChunk> chunks = ServerStream.open(channel, ReplicationGrpc.getGetObjectMethod(),
                        GetObjectRequest.newBuilder().setDigest(ref.getDigest()).setOffset(offset).build(),
                        deadlineMillis);
                boolean complete = false;
                try {
                    while (chunks.hasNext()) {
                        ObjectChunk chunk = chunks.next();
                        if (chunk.getOffset() != offset) {
                            throw new MalformedException("object chunk at offset " + chunk.getOffset() + ", expected " + offset);
                        }
                        ByteString data = chunk.getData();
                        if (offset + data.size() > ref.getSize()) {
                            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray())
                                    + " runs past its signed size of " + ref.getSize() + " bytes");
                        }
                        sink.write(data, offset);
                        for (ByteBuffer piece : data.asReadOnlyByteBufferList()) {
                            digest.update(piece);
                        }
                        offset += data.size();
                    }
                    complete = true;
                } finally {
                    if (!complete) {
                        chunks.cancel("the spoke stopped reading the object");
                    }
                }
                break;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                        || code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.INTERNAL;
                if (!retryable || attempt >= attempts) {
                    throw new IOException("fetching object " + Sha256.shortHex(ref.getDigest().toByteArray()) + ": " + e.getStatus(), e);
                }
                log.info("fetch of {} interrupted at byte {} ({}), resuming", Sha256.shortHex(ref.getDigest().toByteArray()),
                        offset, code);
            }
        }
        ObjectCheck.verify(ref, offset, digest.digest());
    }
}
