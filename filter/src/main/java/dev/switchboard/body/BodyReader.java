package dev.switchboard.body;

import dev.switchboard.error.ApiError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/**
 * Reads a request body into memory under a size cap, decoding {@code Content-Encoding: gzip} or
 * {@code deflate} (zlib, or raw deflate as some clients send it). The cap applies to the decoded
 * bytes, so a small compressed bomb stops at the cap. Stateless and thread-safe.
 */
public final class BodyReader {

    private BodyReader() {
    }

    /** A body in memory: {@code bytes[0..length)}. */
    public record Body(byte[] bytes, int length) {
    }

    /** Why a body could not be read. Expected input errors: no stack trace. */
    public static final class BodyException extends Exception {

        private static final long serialVersionUID = 1L;

        /** What went wrong. */
        public enum Kind {
            /** Over the cap: 413 {@code request_too_large}. */
            TOO_LARGE(ApiError.REQUEST_TOO_LARGE),
            /** An encoding other than gzip/deflate/identity: 415 {@code unsupported_content_encoding}. */
            UNSUPPORTED_ENCODING(ApiError.UNSUPPORTED_CONTENT_ENCODING),
            /** Declared gzip/deflate but not decodable: 400 {@code invalid_body}. */
            UNDECODABLE(ApiError.INVALID_BODY),
            /**
             * The stream ended cleanly before the declared length: the container signals a client that broke off
             * (an exception), so something before the filter read the body (a filter that read a form's parameters).
             * 500 {@code internal_error}: a misconfigured host, never a request passed on without its body checked.
             */
            READ_BEFORE(ApiError.INTERNAL_ERROR);

            private final ApiError error;

            Kind(ApiError error) {
                this.error = error;
            }

            /** @return the row of SPEC section 5 this failure answers with (its message is the exception's) */
            public ApiError error() {
                return error;
            }
        }

        private final Kind kind;

        BodyException(Kind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }

        /** @return what went wrong */
        public Kind kind() {
            return kind;
        }
    }

    /**
     * @param encoding a Content-Encoding header value, or {@code null}
     * @return whether {@link #read} decodes it
     */
    public static boolean supported(String encoding) {
        return normalize(encoding) != null;
    }

    /** Where a body comes from, opened only once it is to be read. */
    @FunctionalInterface
    public interface Source {
        /**
         * @return the body's stream (a servlet container answers a client's {@code Expect: 100-continue} now)
         * @throws IOException when it cannot be opened
         */
        InputStream open() throws IOException;
    }

    /**
     * @param in the request body stream
     * @param contentLength the declared length, or -1
     * @param encoding the Content-Encoding header, or {@code null}
     * @param max the cap on decoded bytes
     * @return the decoded body
     * @throws BodyException when over the cap, an unsupported encoding, or undecodable
     * @throws IOException when the client's stream fails
     */
    public static Body read(InputStream in, long contentLength, String encoding, int max)
            throws BodyException, IOException {
        return read(() -> in, contentLength, encoding, max);
    }

    /**
     * As {@link #read(InputStream, long, String, int)}, opening the stream only when the encoding and the declared
     * length pass: a request refused on its headers is refused before its client is asked for the body.
     *
     * @param source the request body, e.g. {@code request::getInputStream}
     */
    public static Body read(Source source, long contentLength, String encoding, int max)
            throws BodyException, IOException {
        String enc = normalize(encoding);
        if (enc == null) {
            throw new BodyException(BodyException.Kind.UNSUPPORTED_ENCODING,
                    "unsupported Content-Encoding; send gzip, deflate or an unencoded body");
        }
        if (contentLength > max) {
            throw tooLarge(max);
        }
        Body raw = readAll(source.open(), contentLength, max);
        return switch (enc) {
            case "gzip" -> decodeGzip(raw, max);
            case "deflate" -> decodeDeflate(raw, max);
            default -> raw;
        };
    }

    private static String normalize(String encoding) {
        if (encoding == null) {
            return "identity";
        }
        String e = encoding.strip().toLowerCase(Locale.ROOT);
        return switch (e) {
            case "", "identity" -> "identity";
            case "gzip", "x-gzip" -> "gzip";
            case "deflate" -> "deflate";
            default -> null;
        };
    }

    private static Body readAll(InputStream in, long contentLength, int max) throws IOException, BodyException {
        byte[] buf = new byte[(int) Math.min(Math.max(contentLength, 0) > 0 ? contentLength : 8192, max + 1L)];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n > max) {
                    throw tooLarge(max);
                }
                if (n == contentLength) {
                    // The declared length is in: one byte more would be a lie, its absence the usual end. No copy.
                    int extra = in.read();
                    if (extra < 0) {
                        break;
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max + 1L));
                    buf[n++] = (byte) extra;
                    continue;
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max + 1L));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                if (contentLength > 0 && n < contentLength) {
                    readBefore(n, contentLength);
                }
                break;
            }
            n += r;
            if (n > max) {
                throw tooLarge(max);
            }
        }
        return new Body(buf, n);
    }

    /** Refuses a body that ended cleanly short of its length; the message says how short, for the log. */
    private static void readBefore(int read, long declared) throws BodyException {
        throw new BodyException(BodyException.Kind.READ_BEFORE,
                "a request body ended after " + read + " of its " + declared + " bytes without an error");
    }

    private static Body decodeGzip(Body raw, int max) throws BodyException {
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(raw.bytes(), 0, raw.length()))) {
            return readAll(gz, -1, max);
        } catch (IOException e) {
            throw new BodyException(BodyException.Kind.UNDECODABLE, "request body is not valid gzip");
        }
    }

    private static Body decodeDeflate(Body raw, int max) throws BodyException {
        try {
            return inflate(raw, false, max);
        } catch (DataFormatException e) {
            try {
                return inflate(raw, true, max);
            } catch (DataFormatException e2) {
                throw new BodyException(BodyException.Kind.UNDECODABLE, "request body is not valid deflate");
            }
        }
    }

    private static Body inflate(Body raw, boolean nowrap, int max) throws DataFormatException, BodyException {
        Inflater inflater = new Inflater(nowrap);
        try {
            inflater.setInput(raw.bytes(), 0, raw.length());
            byte[] out = new byte[Math.min(Math.max(raw.length() * 4, 1024), max + 1)];
            int n = 0;
            while (!inflater.finished()) {
                if (n == out.length) {
                    if (n > max) {
                        throw tooLarge(max);
                    }
                    out = Arrays.copyOf(out, (int) Math.min((long) out.length * 2, max + 1L));
                }
                int r = inflater.inflate(out, n, out.length - n);
                if (r == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("truncated");
                }
                n += r;
                if (n > max) {
                    throw tooLarge(max);
                }
            }
            return new Body(out, n);
        } finally {
            inflater.end();
        }
    }

    private static BodyException tooLarge(int max) {
        return new BodyException(BodyException.Kind.TOO_LARGE, "request body is larger than " + max + " bytes");
    }
}
