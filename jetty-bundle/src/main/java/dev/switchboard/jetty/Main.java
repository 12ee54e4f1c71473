package dev.switchboard.jetty;

/**
 * Entry point of {@code switchboard.jar} (SPEC section 8). Exits with the code {@link Cli#run} returns.
 */
public final class Main {

    /** Jetty's {@code MemoryUtils} property: how many object references share a cache line. */
    static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private Main() {
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        // Jetty sizes its padding against false sharing by asking the platform MBean server whether references are
        // compressed, unless told: that query (registering every platform MBean) took about 150 ms of a start on one
        // core. Told here instead: compressed (4 bytes, 16 to a 64-byte line) below the JVM's 32 GB heap limit for it.
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(referencesPerCacheLine(
                    Integer.getInteger("org.eclipse.jetty.util.cacheLineBytes", 64), Runtime.getRuntime().maxMemory())));
        }
        int code = Cli.run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * @param cacheLineBytes Jetty's cache line (its own property, 64 by default)
     * @param maxHeapBytes the heap's limit
     * @return references per cache line: compressed (4 bytes) below 32 GB of heap, as the JVM's default; where the
     *     JVM does not compress them (ZGC on JDK 17, a heap just under 32 GB) this pads more than needed, never less
     */
    static int referencesPerCacheLine(int cacheLineBytes, long maxHeapBytes) {
        return Math.max(1, cacheLineBytes / (maxHeapBytes < 32L << 30 ? 4 : 8));
    }
}
