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

/**
 * Fetches an object by digest. Transfers resume from the last byte received, a stream that
 * runs past the signed size is cut off at once (endless data), and the result is accepted
 * only when it hashes to the signed digest (invariant 4).
 */
public final class ObjectFetcher {
    private static final Logger log = LoggerFactory.getLogger(ObjectFetcher.class);
    /** No object a spoke needs is larger than this; a manifest that says otherwise is refused. */
    public static final long MAX_OBJECT_BYTES = 512L << 20;
    private final Channel channel;
    private final long deadlineMillis;
    private final int attempts;

    /**
     * @param deadline how long one transfer may take
     * @param attempts how many transfers (the first and the resumed ones) before the fetch fails
     */
    public ObjectFetcher(Channel channel, java.time.Duration deadline, int attempts) {
        this.channel = channel;
        this.deadlineMillis = deadline.toMillis();
        this.attempts = attempts;
    }

    public byte[] fetch(ObjectRef ref) throws VerificationException, IOException, InterruptedException {
        if (ref.getSize() > MAX_OBJECT_BYTES) {
            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray()) + " claims "
                    + ref.getSize() + " bytes, more than the " + MAX_OBJECT_BYTES + " a spoke accepts");
        }
        byte[] out = new byte[(int) ref.getSize()];
        int offset = 0;
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
                        if ((long) offset + data.size() > ref.getSize()) {
                            throw new ObjectSizeException("object " + Sha256.shortHex(ref.getDigest().toByteArray())
                                    + " runs past its signed size of " + ref.getSize() + " bytes");
                        }
                        data.copyTo(out, offset);
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
        ObjectCheck.verify(ref, offset == out.length ? out : java.util.Arrays.copyOf(out, offset));
        return out;
    }
}
