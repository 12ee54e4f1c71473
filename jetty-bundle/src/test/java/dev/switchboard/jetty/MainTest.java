package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** What the entry point tells Jetty instead of letting it ask the platform MBean server at start. */
final class MainTest {

    @Test
    void shouldTellJettyTheReferencesPerCacheLineItWouldHaveFoundItself() {
        // Jetty's own way (MemoryUtils): 64-byte lines, 4-byte references when the JVM compresses them.
        boolean compressed = Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("UseCompressedOops").getValue());
        assertThat(Main.referencesPerCacheLine(64, Runtime.getRuntime().maxMemory())).isEqualTo(compressed ? 16 : 8);
        assertThat(Main.referencesPerCacheLine(64, 64L << 30)).isEqualTo(8);
        assertThat(Main.referencesPerCacheLine(128, 1L << 30)).as("Jetty's own cache line property").isEqualTo(32);
    }
}
