package dev.switchboard.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * An HTTP/1.1 client over a plain socket that keeps every byte it receives and how the connection
 * ended, so a test can tell a complete response from a cut one: a chunked body that lacks its
 * terminating {@code 0\r\n\r\n}, a Content-Length body that is short, a reset.
 */
final class RawClient {

    /** How the server's side of the connection ended. */
    enum Ending {
        /** The server closed (FIN). */
        EOF,
        /** The connection was reset (RST). */
        RESET,
        /** Nothing more arrived within the read timeout; the connection was still open. */
        TIMEOUT,
        /** The response was complete (by its framing); the connection stayed open for the next one. */
        OPEN
    }

    /**
     * Everything the client received.
     *
     * @param bytes every byte, head included
     * @param ending how the connection ended
     * @param millis from sending the request to the end
     */
    record Received(byte[] bytes, Ending ending, long millis) {

        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        private int headEnd() {
            int i = text().indexOf("\r\n\r\n");
            if (i < 0) {
                throw new AssertionError("no complete response head (" + ending + " after " + millis + " ms): " + text());
            }
            return i;
        }

        int status() {
            return Integer.parseInt(head().substring(9, 12));
        }

        String head() {
            return text().substring(0, headEnd());
        }

        String header(String name) {
            for (String line : head().split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }

        /** @return the body exactly as sent (chunk framing included) */
        String rawBody() {
            return text().substring(headEnd() + 4);
        }

        boolean chunked() {
            String te = header("Transfer-Encoding");
            return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
        }

        /**
         * @return the body's data without chunk framing, up to where it stops (a cut chunk's bytes included)
         */
        String body() {
            return chunked() ? dechunk(rawBody(), new boolean[1]) : rawBody();
        }

        /** @return whether the body ended as HTTP says a complete one ends (terminating chunk, or full length) */
        boolean complete() {
            if (chunked()) {
                boolean[] terminated = new boolean[1];
                dechunk(rawBody(), terminated);
                return terminated[0];
            }
            String length = header("Content-Length");
            return length != null && rawBody().length() == Integer.parseInt(length);
        }

        /** Sets {@code terminated[0]} when the last-chunk and the final CRLF end the bytes exactly. */
        private static String dechunk(String raw, boolean[] terminated) {
            StringBuilder out = new StringBuilder();
            int pos = 0;
            while (pos < raw.length()) {
                int lineEnd = raw.indexOf("\r\n", pos);
                if (lineEnd < 0) {
                    break;
                }
                int n = Integer.parseInt(raw.substring(pos, lineEnd).split(";")[0].strip(), 16);
                if (n == 0) {
                    terminated[0] = raw.substring(lineEnd).equals("\r\n\r\n");
                    break;
                }
                out.append(raw, lineEnd + 2, Math.min(raw.length(), lineEnd + 2 + n));
                pos = lineEnd + 2 + n + 2;
            }
            return out.toString();
        }
    }

    private RawClient() {
    }

    /**
     * Sends one request (Content-Length added for the body) and reads until the response is complete, or
     * the server closes, resets, or is silent for {@code timeoutMillis}.
     */
    static Received post(int port, String path, String body, int timeoutMillis, String... headers) throws IOException {
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            return read(socket, timeoutMillis, start);
        }
    }

    /** Reads one response until it is complete, or the server closes, resets, or is silent for {@code timeoutMillis}. */
    static Received read(Socket socket, int timeoutMillis, long startNanos) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        Received head = null;
        Ending ending;
        while (true) {
            try {
                int n = in.read(buf);
                if (n < 0) {
                    ending = Ending.EOF;
                    break;
                }
                got.write(buf, 0, n);
                if (head == null && new String(got.toByteArray(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    head = new Received(got.toByteArray(), Ending.OPEN, 0);
                }
                if (head != null && finished(head, got, buf, n)) {
                    ending = Ending.OPEN;
                    break;
                }
            } catch (SocketTimeoutException e) {
                ending = Ending.TIMEOUT;
                break;
            } catch (SocketException e) {
                ending = Ending.RESET;
                break;
            }
        }
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        return new Received(Arrays.copyOf(got.toByteArray(), got.size()), ending, millis);
    }

    /**
     * Whether the bytes hold the whole response by its own framing (a close-delimited one never does). Looks
     * at all of them only when the last read could have ended it, so that big bodies are read fast.
     */
    private static boolean finished(Received head, ByteArrayOutputStream got, byte[] last, int n) {
        if (head.chunked()) {
            boolean terminator = n >= 5 && new String(last, n - 5, 5, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n");
            return terminator && new Received(got.toByteArray(), Ending.OPEN, 0).complete();
        }
        String length = head.header("Content-Length");
        return length != null && got.size() - head.head().length() - 4 >= Long.parseLong(length);
    }
}
