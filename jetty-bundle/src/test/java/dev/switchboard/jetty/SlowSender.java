package dev.switchboard.jetty;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that sends its request body as a drip: the head at once, then {@code step} bytes every
 * {@code gapMillis} on a shared timer (many senders, one thread), until the body is sent, the server
 * answers, or {@link #close} is called.
 */
final class SlowSender implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final byte[] body;
    private final int step;
    private final long startNanos = System.nanoTime();
    private final AtomicInteger sent = new AtomicInteger();
    private volatile ScheduledFuture<?> drip;

    /**
     * @param head the request head up to (not including) Content-Length, each line ending in CRLF
     */
    SlowSender(int port, String head, String body, int step, long gapMillis, ScheduledExecutorService timer)
            throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.out = socket.getOutputStream();
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.step = step;
        out.write((head + "Content-Length: " + this.body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        this.drip = timer.scheduleAtFixedRate(this::next, gapMillis, gapMillis, TimeUnit.MILLISECONDS);
    }

    private void next() {
        int from = sent.get();
        if (from >= body.length) {
            stopDrip();
            return;
        }
        int n = Math.min(step, body.length - from);
        try {
            out.write(body, from, n);
            out.flush();
            sent.addAndGet(n);
        } catch (IOException e) {
            // The server answered and closed: the drip is over.
            stopDrip();
        }
    }

    private void stopDrip() {
        ScheduledFuture<?> d = drip;
        if (d != null) {
            d.cancel(false);
        }
    }

    /** @return body bytes sent so far */
    int sent() {
        return sent.get();
    }

    /** @return the response, read until it is complete or the connection ends */
    RawClient.Received response(int timeoutMillis) throws IOException {
        RawClient.Received r = RawClient.read(socket, timeoutMillis, startNanos);
        stopDrip();
        return r;
    }

    @Override
    public void close() throws IOException {
        stopDrip();
        socket.close();
    }
}
