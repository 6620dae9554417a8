package dk.spejl.deploy;

import com.google.protobuf.ByteString;
import dk.spejl.digest.Sha256;
import dk.spejl.spoke.SpokeConfig;
import dk.spejl.spoke.sync.ObjectFetcher;
import dk.spejl.verify.ObjectSizeException;
import dk.spejl.wire.ObjectRef;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in its own small JVM by {@link LargeObjectTest}: fetches one object from the hub, as a spoke
 * would, either streamed to a file or into memory. Exits 0 when the fetch did what the mode
 * expects, 1 when it did not, and dies of an OutOfMemoryError (exit 3) if it buffered the lot.
 */
public final class FetchObject {
    private FetchObject() {
    }

    /** Arguments: spoke.conf, object digest (hex), object size, "stream" OUTPUT or "memory". */
    public static void main(String[] args) throws Exception {
        SpokeConfig config = SpokeConfig.read(Path.of(args[0]));
        ObjectRef ref = ObjectRef.newBuilder().setDigest(ByteString.copyFrom(Sha256.parseHex(args[1])))
                .setSize(Long.parseLong(args[2])).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress(config.hubAddress()).sslContext(config.tls().clientContext())
                .overrideAuthority(config.hubAuthority()).maxInboundMessageSize(4 << 20).build();
        int exit = 1;
        try {
            ObjectFetcher fetcher = new ObjectFetcher(channel, Duration.ofSeconds(120), 3);
            System.out.println("heap " + Runtime.getRuntime().maxMemory() + " bytes, object " + ref.getSize() + " bytes");
            if (args[3].equals("stream")) {
                Path out = Path.of(args[4]);
                fetcher.fetchTo(ref, out);
                System.out.println("streamed " + Files.size(out) + " bytes, digest verified");
                exit = Files.size(out) == ref.getSize() ? 0 : 1;
            } else {
                try {
                    fetcher.fetch(ref);
                    System.out.println("held in memory: not expected for an object larger than the heap");
                } catch (ObjectSizeException e) {
                    System.out.println("refused: " + e.getMessage());
                    exit = 0;
                }
            }
        } catch (OutOfMemoryError e) {
            System.out.println("out of memory: " + e);
            exit = 3;
        } finally {
            channel.shutdownNow();
        }
        System.exit(exit);
    }
}
