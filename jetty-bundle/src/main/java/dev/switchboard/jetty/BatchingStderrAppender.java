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
 * and the thread whose line fills the buffer past {@code maxBufferBytes} (default 256 KB) writes it itself, so
 * that a burst waits for stderr instead of dropping a line or growing the heap. Lines stay whole and in the order
 * they were logged; {@link #stop()} (the run command stops the logging at exit) writes what is left.
 */
public final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private final Supplier<OutputStream> target;
    /** Guards {@link #pending}: held only to copy a line in or to swap the buffers. */
    private final Object buffers = new Object();
    /** Held while a batch is written, so that batches reach stderr in order. */
    private final Object writing = new Object();
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
            pending.writeBytes(line);
            full = pending.size() >= maxBufferBytes;
        }
        if (full || stopped) {
            // Past the stop's last write (a line that raced the stop) nobody else would write it.
            flush();
        }
    }

    private void writeEvery() {
        while (isStarted()) {
            try {
                Thread.sleep(flushMillis);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /** Writes what the buffer holds, with one write. */
    void flush() {
        synchronized (writing) {
            ByteArrayOutputStream batch;
            synchronized (buffers) {
                if (pending.size() == 0) {
                    return;
                }
                batch = pending;
                pending = spare;
            }
            try {
                OutputStream out = target.get();
                batch.writeTo(out);
                out.flush();
            } catch (IOException | RuntimeException e) {
                addError("Could not write " + batch.size() + " bytes of access log to stderr.", e);
            }
            batch.reset();
            spare = batch;
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
        flush();
    }
}
