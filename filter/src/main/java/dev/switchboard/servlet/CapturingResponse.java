package dev.switchboard.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Holds a downstream response body in memory so that {@code /v1/models} can be transformed before
 * anything reaches the client. Status and other headers go to the real response as they are set;
 * Content-Length and Content-Encoding are kept here, since the transformed body replaces both.
 */
final class CapturingResponse extends HttpServletResponseWrapper {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    private ServletOutputStream out;
    private PrintWriter writer;
    private String contentEncoding;
    private boolean passThrough;

    CapturingResponse(HttpServletResponse response) {
        super(response);
    }

    byte[] captured() {
        if (writer != null) {
            writer.flush();
        }
        return buffer.toByteArray();
    }

    String contentEncoding() {
        return contentEncoding;
    }

    /** Whether the downstream sent an error page itself ({@code sendError}): nothing to transform. */
    boolean passedThrough() {
        return passThrough;
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was already called");
        }
        if (out == null) {
            out = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    buffer.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    buffer.write(b, off, len);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    try {
                        listener.onWritePossible();
                    } catch (IOException | RuntimeException e) {
                        listener.onError(e);
                    }
                }
            };
        }
        return out;
    }

    @Override
    public PrintWriter getWriter() {
        if (out != null) {
            throw new IllegalStateException("getOutputStream() was already called");
        }
        if (writer == null) {
            String enc = getCharacterEncoding();
            writer = new PrintWriter(new OutputStreamWriter(buffer,
                    enc == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(enc)));
        }
        return writer;
    }

    @Override
    public void setContentLength(int len) {
        // The transformed body has its own length.
    }

    @Override
    public void setContentLengthLong(long len) {
        // The transformed body has its own length.
    }

    @Override
    public void setHeader(String name, String value) {
        if (!captureHeader(name, value)) {
            super.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (!captureHeader(name, value)) {
            super.addHeader(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (!captureHeader(name, Integer.toString(value))) {
            super.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (!captureHeader(name, Integer.toString(value))) {
            super.addIntHeader(name, value);
        }
    }

    private boolean captureHeader(String name, String value) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("content-length")) {
            return true;
        }
        if (n.equals("content-encoding")) {
            contentEncoding = value;
            return true;
        }
        return false;
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        passThrough = true;
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        passThrough = true;
        super.sendError(sc);
    }

    @Override
    public void flushBuffer() {
        if (writer != null) {
            writer.flush();
        }
    }

    @Override
    public boolean isCommitted() {
        return passThrough && super.isCommitted();
    }

    @Override
    public void resetBuffer() {
        buffer.reset();
    }

    @Override
    public void reset() {
        buffer.reset();
        contentEncoding = null;
        super.reset();
    }
}
