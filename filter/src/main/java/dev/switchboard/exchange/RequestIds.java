package dev.switchboard.exchange;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids (SPEC section 9): a client's {@code X-Request-Id} of 1 to 128 visible ASCII characters
 * is kept, so a caller can correlate its own logs; anything else gets a fresh random id.
 */
public final class RequestIds {

    /** The request header a client may send its own id in. */
    public static final String CLIENT_HEADER = "X-Request-Id";
    /** The response header carrying the exchange's id. */
    public static final String RESPONSE_HEADER = "X-Switchboard-Request-Id";
    /** The longest client id reused. */
    public static final int MAX_LENGTH = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /**
     * @param client the client's {@code X-Request-Id}, or {@code null}
     * @return the client's id when it is sane, else a new random one (32 hex digits)
     */
    public static String of(String client) {
        return sane(client) ? client : random();
    }

    static boolean sane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** @return 128 random bits as hex; not a secret, only unique enough to correlate lines */
    static String random() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[32];
        long hi = r.nextLong();
        long lo = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[15 - i] = HEX[(int) (hi >>> (i * 4)) & 0xf];
            out[31 - i] = HEX[(int) (lo >>> (i * 4)) & 0xf];
        }
        return new String(out);
    }
}
