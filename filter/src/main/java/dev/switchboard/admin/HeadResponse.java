package dev.switchboard.admin;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Objects;

/**
 * The response to a {@code HEAD}: the status and every header the {@code GET} sets, its {@code Content-Length}
 * included, and no body (RFC 9110 section 9.3.2). What is written is dropped here rather than left to the container,
 * which the servlet specification does not oblige to drop it. Not thread-safe, as the response it wraps.
 */
public final class HeadResponse extends HttpServletResponseWrapper {

    private final ServletOutputStream body = new ServletOutputStream() {
        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            Objects.requireNonNull(listener, "listener");
            // Always ready: the listener may write at once, and everything it writes is dropped.
            try {
                listener.onWritePossible();
            } catch (IOException | RuntimeException e) {
                listener.onError(e);
            }
        }

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
        }
    };
    private PrintWriter writer;

    public HeadResponse(HttpServletResponse response) {
        super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
        return body;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            writer = new PrintWriter(Writer.nullWriter());
        }
        return writer;
    }
}
