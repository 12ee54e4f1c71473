package dev.switchboard.observe;

import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.ExchangeListener;
import dev.switchboard.exchange.Feedback;
import dev.switchboard.exchange.Usage;
import dev.switchboard.ops.Log;
import dev.switchboard.rules.Caller;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Decision;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * The access log (SPEC section 9): one JSON line per exchange, written at INFO to the logger
 * {@value #LOGGER} when the exchange ends. Fields, in order: {@code request_id}, {@code time} (start,
 * ISO-8601 UTC), {@code method}, {@code endpoint} (the canonical path), {@code client},
 * {@code user_path}, {@code requested_model}, {@code concrete_model}, {@code virtual_model},
 * {@code target}, {@code provider}, {@code status}, {@code error_code}, {@code attempts},
 * {@code upstream_status}, {@code attempted} (every upstream attempt in order: {@code model}, {@code provider},
 * {@code status}, {@code error}, {@code duration_ms}), {@code duration_ms}, {@code first_byte_ms}, {@code input_tokens},
 * {@code output_tokens}, {@code cached_tokens}, {@code cache_write_tokens}, {@code reasoning_tokens},
 * {@code finish_reason}, and for
 * {@code POST /v1/feedback} {@code feedback_for}, {@code feedback_score}, {@code feedback_comment}. What is
 * not known is {@code null}, never zero. Gateway keys, provider keys and bodies never appear; the
 * only request content is the model name. Thread-safe.
 */
public final class AccessLog implements ExchangeListener {

    /** The logger every line goes to. */
    public static final String LOGGER = "dev.switchboard.access";

    /** SLF4J, or java.util.logging when the application has no SLF4J provider (as in a stock Tomcat). */
    private static final Log LOG = Log.get(LOGGER);

    private final BooleanSupplier enabled;

    /** @param enabled read at the end of every exchange: whether to write its line (a reload can turn it off) */
    public AccessLog(BooleanSupplier enabled) {
        this.enabled = enabled;
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        if (enabled.getAsBoolean() && LOG.isInfoEnabled()) {
            // The line is the message itself: no placeholder formatting, no copy of it.
            LOG.info(line(exchange, completion));
        }
    }

    /**
     * @param exchange the exchange
     * @param completion how it ended
     * @return its access-log line
     */
    public static String line(Exchange exchange, Completion completion) {
        Decision d = exchange.decision();
        Caller caller = exchange.caller();
        Attempt last = completion.attempts().isEmpty() ? null : completion.attempts().get(completion.attempts().size() - 1);
        Candidate modelLess = d == null && !exchange.candidates().isEmpty() ? exchange.candidates().get(0) : null;
        String concrete = last != null ? last.candidate().model() : d != null ? d.concrete() : null;
        String provider = last != null ? last.candidate().provider() : d != null ? d.provider()
                : modelLess != null ? modelLess.provider() : null;
        Usage u = completion.usage();
        // Written by hand into one builder (with Jackson's generator, Instant.toString and Double.toString the
        // line cost about 1.5 us and 3.4 KB per exchange: bench/NOTES.md); AccessLogTest holds it to Jackson's reading.
        StringBuilder b = new StringBuilder(640);
        b.append('{');
        string(b, "request_id", exchange.id());
        b.append(',');
        b.append("\"time\":\"");
        time(b, exchange.startedAt());
        b.append('"');
        b.append(',');
        string(b, "method", exchange.method());
        b.append(',');
        string(b, "endpoint", exchange.path());
        b.append(',');
        string(b, "client", caller == null ? null : caller.clientName());
        b.append(',');
        string(b, "user_path", caller == null ? null : caller.userPath());
        b.append(',');
        string(b, "requested_model", d == null ? null : d.requested());
        b.append(',');
        string(b, "concrete_model", concrete);
        b.append(',');
        string(b, "virtual_model", d == null ? null : d.redirect());
        b.append(',');
        string(b, "target", d == null || d.redirect() == null ? null : d.target());
        b.append(',');
        string(b, "provider", provider);
        b.append(',');
        number(b, "status", completion.status() == 0 ? null : (long) completion.status());
        b.append(',');
        string(b, "error_code", completion.errorCode());
        b.append(',');
        number(b, "attempts", (long) completion.attempts().size());
        b.append(',');
        number(b, "upstream_status", last == null || last.status() == 0 ? null : (long) last.status());
        // Every target tried, in order (SPEC section 11): the failed ones before the one that answered.
        b.append(",\"attempted\":[");
        for (int i = 0; i < completion.attempts().size(); i++) {
            Attempt a = completion.attempts().get(i);
            b.append(i == 0 ? "{" : ",{");
            string(b, "model", a.candidate().model());
            b.append(',');
            string(b, "provider", a.candidate().provider());
            b.append(',');
            number(b, "status", a.status() == 0 ? null : (long) a.status());
            b.append(',');
            string(b, "error", a.error());
            b.append(',');
            millis(b, "duration_ms", a.durationNanos());
            b.append('}');
        }
        b.append("],");
        millis(b, "duration_ms", completion.durationNanos());
        b.append(',');
        if (completion.firstByteNanos() < 0) {
            b.append("\"first_byte_ms\":null");
        } else {
            millis(b, "first_byte_ms", completion.firstByteNanos());
        }
        b.append(',');
        number(b, "input_tokens", u.inputTokens());
        b.append(',');
        number(b, "output_tokens", u.outputTokens());
        b.append(',');
        number(b, "cached_tokens", u.cachedTokens());
        b.append(',');
        number(b, "cache_write_tokens", u.cacheCreationTokens());
        b.append(',');
        number(b, "reasoning_tokens", u.reasoningTokens());
        b.append(',');
        string(b, "finish_reason", u.finishReason());
        Feedback f = completion.feedback();
        if (f != null) {
            // POST /v1/feedback: the score, and the comment (cut to 500 characters), kept only here.
            b.append(',');
            string(b, "feedback_for", f.requestId());
            b.append(',');
            b.append("\"feedback_score\":").append(f.score());
            b.append(',');
            string(b, "feedback_comment", f.comment());
        }
        return b.append('}').toString();
    }

    /** {@code "name":"value"} or {@code "name":null}; the name needs no escaping. */
    private static void string(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null");
        } else {
            b.append('"');
            escaped(b, value);
            b.append('"');
        }
    }

    private static void number(StringBuilder b, String name, Long value) {
        b.append('"').append(name).append("\":");
        if (value == null) {
            b.append("null");
        } else {
            b.append(value.longValue());
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * JSON string content, escaped as Jackson does (quote, backslash, control characters), and a surrogate that is
     * not half of a pair as a six-character escape (Jackson's generator throws on one; UTF-8 cannot encode it).
     */
    static void escaped(StringBuilder b, String s) {
        int n = s.length();
        int plain = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            b.append(s, plain, i);
            plain = i + 1;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
                        .append(HEX[c & 0xF]);
            }
        }
        b.append(s, plain, n);
    }

    /** Milliseconds with microsecond precision, in fixed point ({@code 812.345}, {@code 3.0}). */
    static void millis(StringBuilder b, String name, long nanos) {
        b.append('"').append(name).append("\":");
        long micros = Math.round(nanos / 1_000.0);
        if (micros < 0) {
            b.append('-');
            micros = -micros;
        }
        b.append(micros / 1_000).append('.');
        int fraction = (int) (micros % 1_000);
        if (fraction == 0) {
            b.append('0');
            return;
        }
        b.append((char) ('0' + fraction / 100));
        if (fraction % 100 != 0) {
            b.append((char) ('0' + fraction / 10 % 10));
            if (fraction % 10 != 0) {
                b.append((char) ('0' + fraction % 10));
            }
        }
    }

    /** The text of the last second a time was written in: "2026-12-04T12:44:32". */
    private record Second(long epochSecond, String text) {
    }

    private static volatile Second second = new Second(Long.MIN_VALUE, "");

    /** {@code time.toString()} (ISO-8601 UTC, the fraction in groups of three digits), the date part kept per second. */
    static void time(StringBuilder b, Instant time) {
        Second s = second;
        if (s.epochSecond() != time.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(time.getEpochSecond()).toString();
            s = new Second(time.getEpochSecond(), whole.substring(0, whole.length() - 1));
            second = s;
        }
        b.append(s.text());
        int nano = time.getNano();
        if (nano != 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
            int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
            b.append('.');
            for (int scale = digits == 3 ? 100 : digits == 6 ? 100_000 : 100_000_000; scale > 0; scale /= 10) {
                b.append((char) ('0' + value / scale % 10));
            }
        }
        b.append('Z');
    }
}
