package dk.spejl.config;

/** What the hub's and the spoke's command lines set before anything else loads. */
public final class Daemons {
    private Daemons() {
    }

    /**
     * Netty 4.2 registers its Flight Recorder events when its first class loads, whether or not a
     * recording runs: about 0.3 s of a cold start spent generating event classes. Off unless the
     * operator sets the property ({@code -Dio.netty.jfr.enabled=true}, and the same with the
     * {@code io.grpc.netty.shaded.} prefix for gRPC's copy of Netty).
     */
    public static void beforeStart() {
        for (String property : new String[] {"io.netty.jfr.enabled", "io.grpc.netty.shaded.io.netty.jfr.enabled"}) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "false");
            }
        }
    }
}
