package dev.switchboard.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Replays an in-memory body. Blocking reads work as usual; with a {@link ReadListener} (async
 * servlets) the listener gets {@code onDataAvailable} on a container thread and then, once the last
 * byte has been read, exactly one {@code onAllDataRead}.
 */
final class ReplayInputStream extends ServletInputStream {

    private final byte[] body;
    private final int length;
    private final HttpServletRequest request;
    private int pos;
    private ReadListener listener;
    private boolean inCallback;
    private boolean allDataReadSent;

    ReplayInputStream(byte[] body, int length, HttpServletRequest request) {
        this.body = body;
        this.length = length;
        this.request = request;
    }

    @Override
    public int read() {
        if (pos >= length) {
            return -1;
        }
        int b = body[pos++] & 0xff;
        afterRead();
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (pos >= length) {
            return -1;
        }
        int n = Math.min(len, length - pos);
        System.arraycopy(body, pos, b, off, n);
        pos += n;
        afterRead();
        return n;
    }

    @Override
    public int available() {
        return length - pos;
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, length - pos));
        pos += (int) k;
        afterRead();
        return k;
    }

    @Override
    public boolean isFinished() {
        return pos >= length;
    }

    @Override
    public boolean isReady() {
        // All data is in memory: a read never blocks.
        return true;
    }

    @Override
    public void setReadListener(ReadListener readListener) {
        if (readListener == null) {
            throw new NullPointerException("readListener");
        }
        if (listener != null) {
            throw new IllegalStateException("a ReadListener is already set");
        }
        if (!request.isAsyncStarted()) {
            throw new IllegalStateException("setReadListener needs async mode (startAsync)");
        }
        listener = readListener;
        AsyncContext context = request.getAsyncContext();
        context.start(this::drive);
    }

    private void drive() {
        try {
            inCallback = true;
            if (!isFinished()) {
                listener.onDataAvailable();
            }
            inCallback = false;
            if (isFinished()) {
                sendAllDataRead();
            }
        } catch (Throwable t) {
            inCallback = false;
            listener.onError(t);
        }
    }

    /** A listener that reads the rest later, outside onDataAvailable, still gets onAllDataRead. */
    private void afterRead() {
        if (listener != null && !inCallback && isFinished() && !allDataReadSent) {
            request.getAsyncContext().start(() -> {
                try {
                    sendAllDataRead();
                } catch (Throwable t) {
                    listener.onError(t);
                }
            });
        }
    }

    private synchronized void sendAllDataRead() throws java.io.IOException {
        if (!allDataReadSent) {
            allDataReadSent = true;
            listener.onAllDataRead();
        }
    }
}
