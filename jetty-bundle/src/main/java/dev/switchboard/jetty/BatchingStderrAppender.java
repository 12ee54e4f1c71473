package dev.switchboard.jetty;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * The access log's appender in the bundled proxy ({@link LoggingConfigurator}): lines go to stderr in batches,
 * not with one write(2) and one wake-up of a writer thread each. The thread that logs encodes its line and adds
 * it to a buffer; a writer thread writes what has gathered every {@code flushMillis} (default 100) with one write,
 * and at once when a line fills the buffer past {@code maxBufferBytes} (default 256 KB). Only the writer writes: when
 * stderr is not read (a stalled log shipper, a pipe nobody drains), a write blocks, and a request thread that wrote
 * the buffer itself, as it once did, blocked with it, until the gateway stopped answering. Lines wait in memory up
 * to {@link #HELD_BUFFERS} buffers; the ones past that are dropped and counted, and a line saying how many goes out
 * with the next write. Lines stay whole and in the order they were logged; {@link #stop()} (the run command stops
 * the logging at exit) writes what is left, waiting for stderr at most {@link #STOP_WAIT_MILLIS}.
 */
public final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private final Supplier<OutputStream> target;
    /** Guards {@link #pending}: held only to copy a line in or to swap the buffers. */
    private final Object buffers = new Object();
    /** How many full buffers wait while stderr is not read; lines past them are dropped and counted. */
    static final int HELD_BUFFERS = 16;
    /** The longest {@link #stop()} waits for stderr. */
    static final long STOP_WAIT_MILLIS = 5_000;
    /** Held while a batch is written, so that batches reach stderr in order. */
    private final java.util.concurrent.locks.ReentrantLock writing = new java.util.concurrent.locks.ReentrantLock();
    /** Lines dropped since the last write, while stderr was not read. */
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private ByteArrayOutputStream pending = new ByteArrayOutputStream(64 * 1024);
    /** The buffer not being filled; only touched while {@link #writing} is held. */
    private ByteArrayOutputStream spare = new ByteArrayOutputStream(64 * 1024);
    private Encoder<ILoggingEvent> encoder;
    private long flushMillis = 100;
    private int maxBufferBytes = 256 * 1024;
    private Thread writer;
    /** Set by {@link #stop()} before its last write. */
    private volatile boolean stopped;

    /** Writes to {@link System#err} as it is at each write (as logback's console appender does). */
    public BatchingStderrAppender() {
        this(() -> System.err);
    }

    BatchingStderrAppender(Supplier<OutputStream> target) {
        this.target = target;
    }

    /** @param encoder turns an event into its line */
    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    /** @return what turns an event into its line */
    Encoder<ILoggingEvent> getEncoder() {
        return encoder;
    }

    /** @param flushMillis the longest a line waits in the buffer */
    public void setFlushMillis(long flushMillis) {
        this.flushMillis = flushMillis;
    }

    /** @param maxBufferBytes the most the buffer holds before the logging thread writes it itself */
    public void setMaxBufferBytes(int maxBufferBytes) {
        this.maxBufferBytes = maxBufferBytes;
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("No encoder set for the appender named [" + name + "].");
            return;
        }
        if (flushMillis <= 0 || maxBufferBytes <= 0) {
            addError("flushMillis and maxBufferBytes must be positive in the appender named [" + name + "].");
            return;
        }
        stopped = false;
        super.start();
        writer = new Thread(this::writeEvery, "switchboard-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] line = encoder.encode(event);
        boolean full;
        synchronized (buffers) {
            if (pending.size() >= (long) maxBufferBytes * HELD_BUFFERS) {
                // Stderr has not been read for a while: memory stays bounded, and the count is written later.
                dropped.incrementAndGet();
                return;
            }
            pending.writeBytes(line);
            full = pending.size() >= maxBufferBytes;
        }
        if (stopped) {
            // Past the stop's last write (a line that raced the stop) nobody else would write it.
            flush(STOP_WAIT_MILLIS);
        } else if (full) {
            // The writer writes it now, not at its next period; this thread never waits for stderr.
            java.util.concurrent.locks.LockSupport.unpark(writer);
        }
    }

    private void writeEvery() {
        while (isStarted()) {
            // Woken early by a full buffer (unpark) or the stop (interrupt).
            java.util.concurrent.locks.LockSupport.parkNanos(this, flushMillis * 1_000_000L);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            flush(Long.MAX_VALUE);
        }
    }

    /** Writes what the buffer holds, with one write, waiting for the writing as long as it takes. */
    void flush() {
        flush(Long.MAX_VALUE);
    }

    /**
     * Writes what the buffer holds, with one write.
     *
     * @param waitMillis the longest to wait for a write under way ({@link Long#MAX_VALUE}: as long as it takes); past
     *     it the lines stay in the buffer
     */
    private void flush(long waitMillis) {
        try {
            if (waitMillis == Long.MAX_VALUE) {
                writing.lockInterruptibly();
            } else if (!writing.tryLock(waitMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            ByteArrayOutputStream batch;
            synchronized (buffers) {
                if (pending.size() == 0) {
                    return;
                }
                batch = pending;
                pending = spare;
            }
            long lost = dropped.getAndSet(0);
            try {
                OutputStream out = target.get();
                batch.writeTo(out);
                if (lost > 0) {
                    out.write(encoder.encode(new ch.qos.logback.classic.spi.LoggingEvent(getClass().getName(),
                            ((ch.qos.logback.classic.LoggerContext) getContext()).getLogger("dev.switchboard.access"),
                            ch.qos.logback.classic.Level.WARN, lost + " access-log line(s) dropped: standard error was not"
                            + " read for a while", null, null)));
                }
                out.flush();
            } catch (IOException | RuntimeException e) {
                addError("Could not write " + batch.size() + " bytes of access log to stderr.", e);
            }
            batch.reset();
            spare = batch;
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        stopped = true;
        writer.interrupt();
        try {
            writer.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Bounded: a stderr nobody reads must not keep the process from stopping.
        flush(STOP_WAIT_MILLIS);
    }
}
