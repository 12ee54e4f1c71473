package dev.switchboard.failclosed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Sends a {@link Corpus.Attack} byte for byte on its own connection (headers exactly as listed, duplicates kept). */
public final class RawClient {

    /**
     * @param status the status code
     * @param head the status line and headers
     * @param body the body (de-chunked)
     */
    public record Response(int status, String head, byte[] body) {
        /** @return the body as UTF-8 */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private RawClient() {
    }

    /**
     * @param port where the server listens on 127.0.0.1
     * @param a the request
     * @param extra more header lines (a request id)
     * @return the response
     */
    public static Response send(int port, Corpus.Attack a, String... extra) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder(a.method() + " " + a.target() + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n");
            a.headers().forEach(h -> head.append(h).append("\r\n"));
            for (String h : extra) {
                head.append(h).append("\r\n");
            }
            if (a.chunked()) {
                head.append("Transfer-Encoding: chunked\r\n");
            } else if (a.body().length > 0 || a.method().equals("POST")) {
                head.append("Content-Length: ").append(a.body().length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            try {
                if (a.chunked()) {
                    out.write((Integer.toHexString(a.body().length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(a.body());
                    out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } else {
                    out.write(a.body());
                }
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before it read the whole body: the answer is still there.
            }
            return read(s.getInputStream());
        }
    }

    private static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                all.write(buf, 0, n);
            }
        } catch (SocketException e) {
            // A reset after the response (the server closed with our body unread) ends it.
        }
        byte[] bytes = all.toByteArray();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0 || text.length() < 12) {
            throw new IOException("no response: " + text);
        }
        String head = text.substring(0, split);
        byte[] body = java.util.Arrays.copyOfRange(bytes, split + 4, bytes.length);
        if (head.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked")) {
            body = dechunk(body);
        }
        return new Response(Integer.parseInt(text.substring(9, 12)), head, body);
    }

    private static byte[] dechunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int eol = i;
            while (eol + 1 < in.length && !(in[eol] == '\r' && in[eol + 1] == '\n')) {
                eol++;
            }
            int size = Integer.parseInt(new String(in, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].strip(), 16);
            if (size == 0) {
                break;
            }
            out.write(in, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
