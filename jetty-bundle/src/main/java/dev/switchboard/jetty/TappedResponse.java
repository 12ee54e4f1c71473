package dev.switchboard.jetty;

import dev.switchboard.exchange.UsageReader;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * A response whose body bytes, once written through, are also handed to a {@link UsageReader}: how the
 * built-in echo provider's answers get their usage read like an upstream's. Not thread-safe (one writer).
 */
final class TappedResponse extends HttpServletResponseWrapper {

    private UsageReader reader;
    private boolean decided;
    private ServletOutputStream stream;

    TappedResponse(HttpServletResponse response) {
        super(response);
    }

    /** @return the reader fed so far, or {@code null} when the body is not one it reads */
    UsageReader reader() {
        return reader;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            ServletOutputStream out = super.getOutputStream();
            stream = new ServletOutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    if (!decided) {
                        decided = true;
                        reader = UsageReader.forResponse(getContentType(), getHeader("Content-Encoding"));
                    }
                    if (reader != null) {
                        reader.accept(b, off, len);
                    }
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public boolean isReady() {
                    return out.isReady();
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    out.setWriteListener(listener);
                }
            };
        }
        return stream;
    }
}
