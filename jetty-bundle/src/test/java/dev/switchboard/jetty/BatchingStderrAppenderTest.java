package dev.switchboard.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The access log's batching appender: every line whole, once, in order, and written in few writes. */
final class BatchingStderrAppenderTest {

    private final LoggerContext context = new LoggerContext();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final AtomicInteger writes = new AtomicInteger();
    /** What the appender writes to, counting its writes. */
    private final OutputStream stderr = new OutputStream() {
        @Override
        public void write(int b) {
            throw new AssertionError("a batch is written whole, never byte by byte");
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            written.write(b, off, len);
        }
    };

    private BatchingStderrAppender appender(long flushMillis, int maxBufferBytes) {
        return appender(flushMillis, maxBufferBytes, stderr);
    }

    private BatchingStderrAppender appender(long flushMillis, int maxBufferBytes, OutputStream target) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%level %logger{0}: %msg%n");
        encoder.start();
        BatchingStderrAppender appender = new BatchingStderrAppender(() -> target);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setFlushMillis(flushMillis);
        appender.setMaxBufferBytes(maxBufferBytes);
        appender.start();
        assertThat(appender.isStarted()).isTrue();
        return appender;
    }

    private void log(BatchingStderrAppender appender, String message) {
        appender.doAppend(new LoggingEvent("test", context.getLogger("dev.switchboard.access"), Level.INFO, message,
                null, null));
    }

    private String text() {
        synchronized (stderr) {
            return written.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldWriteEveryLineOfManyThreadsWholeOnceAndInEachThreadsOrderInFewWrites() throws Exception {
        BatchingStderrAppender appender = appender(100, 256 * 1024);
        List<Thread> threads = new ArrayList<>();
        for (int n = 0; n < 8; n++) {
            int thread = n;
            Thread t = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    log(appender, "{\"thread\":" + thread + ",\"line\":" + i + "}");
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        appender.stop();

        String[] lines = text().split("\n", -1);
        assertThat(lines).hasSize(16_001);
        assertThat(lines[16_000]).isEmpty();
        Map<Integer, Integer> next = new HashMap<>();
        for (int i = 0; i < 16_000; i++) {
            assertThat(lines[i]).matches("INFO access: \\{\"thread\":\\d,\"line\":\\d+}");
            int thread = Integer.parseInt(lines[i].replaceAll(".*\"thread\":(\\d).*", "$1"));
            int line = Integer.parseInt(lines[i].replaceAll(".*\"line\":(\\d+).*", "$1"));
            assertThat(line).as("thread %d's lines in order", thread).isEqualTo(next.getOrDefault(thread, 0));
            next.put(thread, line + 1);
        }
        // 16,000 lines of ~40 bytes in a few timer periods: one write per batch, not per line.
        assertThat(writes.get()).isBetween(1, 100);
    }

    @Test
    void shouldWriteALineWithinTheFlushPeriodWhenNothingElseIsLogged() {
        BatchingStderrAppender appender = appender(50, 256 * 1024);
        try {
            log(appender, "alone");
            Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> text().equals("INFO access: alone\n"));
            assertThat(writes.get()).isEqualTo(1);
        } finally {
            appender.stop();
        }
    }

    @Test
    void shouldWriteAFullBufferAtOnceNotAtTheNextPeriod() {
        // A writer whose period is an hour: only a full buffer wakes it.
        BatchingStderrAppender appender = appender(3_600_000, 64);
        try {
            for (int i = 0; i < 10; i++) {
                log(appender, "line " + i + " is long enough to fill the buffer on its own");
                String line = "INFO access: line " + i + " is long enough to fill the buffer on its own\n";
                Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> text().endsWith(line));
            }
            assertThat(writes.get()).isEqualTo(10);
        } finally {
            appender.stop();
        }
    }

    // Regression: with stderr not read (a pipe nobody drains), the writer blocked in its write holding the lock, and
    // every request thread whose line filled the buffer waited on it: the gateway stopped answering (probe).
    @Test
    void shouldNeverKeepALoggingThreadWaitingOnAStderrNobodyReads() throws Exception {
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream blocked = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("a batch is written whole");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    read.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
        BatchingStderrAppender appender = appender(10, 1024, blocked);
        try {
            int lines = 2_000;
            long start = System.nanoTime();
            for (int i = 0; i < lines; i++) {
                log(appender, "line " + i + " " + "x".repeat(40));
            }
            long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).as("the logging thread never waits for stderr").isLessThan(1_500L);

            read.countDown();
            // Waits for the write under way, then writes what is left. A write that took its batch while this thread
            // was dropping lines counts those in its notice, and the next write the rest (CI once read the text after
            // the first notice, with 574 of the 2,000 lines written or counted): every notice is summed.
            appender.flush();
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8);
            }
            long kept = text.lines().filter(l -> l.startsWith("INFO access: line ")).count();
            List<String> notices = text.lines().filter(l -> l.contains("dropped")).toList();
            assertThat(notices).isNotEmpty();
            long lost = notices.stream().mapToLong(n -> Long.parseLong(n.replaceAll("WARN access: (\\d+) access-log "
                    + "line\\(s\\) dropped: standard error was not read for a while", "$1"))).sum();
            assertThat(kept).as("held in memory: %d buffers at most", BatchingStderrAppender.HELD_BUFFERS)
                    .isBetween(1L, (long) lines - 1);
            assertThat(kept + lost).as("every line written or counted").isEqualTo(lines);
            assertThat(text.lines().filter(l -> l.startsWith("INFO access: line ")).map(l -> l.split(" ")[3])
                    .mapToInt(Integer::parseInt).toArray()).isSorted();
        } finally {
            read.countDown();
            appender.stop();
        }
    }

    @Test
    void shouldWriteWhatItHoldsWhenStopped() {
        BatchingStderrAppender appender = appender(3_600_000, 256 * 1024);
        log(appender, "one");
        log(appender, "two");
        assertThat(text()).isEmpty();
        appender.stop();
        assertThat(text()).isEqualTo("INFO access: one\nINFO access: two\n");
        assertThat(writes.get()).isEqualTo(1);
    }

    @Test
    void shouldWriteALineThatRacedTheStopPastItsLastWrite() {
        BatchingStderrAppender appender = appender(3_600_000, 256 * 1024);
        log(appender, "one");
        appender.stop();
        // A thread that passed doAppend's started check just before the stop appends after the stop's last write.
        appender.append(new LoggingEvent("test", context.getLogger("dev.switchboard.access"), Level.INFO, "late", null, null));
        assertThat(text()).isEqualTo("INFO access: one\nINFO access: late\n");
    }

    @Test
    void shouldNotStartWithoutAnEncoder() {
        BatchingStderrAppender appender = new BatchingStderrAppender(() -> stderr);
        appender.setContext(context);
        appender.start();
        assertThat(appender.isStarted()).isFalse();
        assertThat(context.getStatusManager().getCopyOfStatusList()).anySatisfy(s ->
                assertThat(s.getMessage()).contains("No encoder"));
    }
}
