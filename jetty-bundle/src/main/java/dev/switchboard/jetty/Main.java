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
            System.setProperty(REFERENCES_PER_CACHE_LINE, Integer.toString(referencesPerCacheLine(Runtime.getRuntime().maxMemory())));
        }
        int code = Cli.run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * @param maxHeapBytes the heap's limit
     * @return references per 64-byte cache line: compressed (4 bytes) below 32 GB of heap, as the JVM's default
     */
    static int referencesPerCacheLine(long maxHeapBytes) {
        return maxHeapBytes < 32L << 30 ? 16 : 8;
    }
}
