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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The access log (SPEC section 9): one JSON line per exchange, written at INFO to the logger
 * {@value #LOGGER} when the exchange ends. Fields, in order: {@code request_id}, {@code time} (start,
 * ISO-8601 UTC), {@code method}, {@code endpoint} (the canonical path), {@code client},
 * {@code user_path}, {@code requested_model}, {@code concrete_model}, {@code virtual_model},
 * {@code target}, {@code provider}, {@code status}, {@code error_code}, {@code attempts},
 * {@code upstream_status}, {@code attempted} (every upstream attempt in order: {@code model}, {@code provider},
 * {@code status}, {@code error}, {@code duration_ms}), {@code duration_ms}, {@code first_byte_ms}, {@code input_tokens},
 * {@code output_tokens}, {@code cached_tokens}, {@code reasoning_tokens}, {@code finish_reason}, and for
 * {@code POST /v1/feedback} {@code feedback_for}, {@code feedback_score}, {@code feedback_comment}. What is
 * not known is {@code null}, never zero. Gateway keys, provider keys and bodies never appear; the
 * only request content is the model name. Thread-safe.
 */
public final class AccessLog implements ExchangeListener {

    /** The logger every line goes to. */
    public static final String LOGGER = "dev.switchboard.access";

    /** SLF4J, or java.util.logging when the application has no SLF4J provider (as in a stock Tomcat). */
    private static final Log LOG = Log.get(LOGGER);
    private static final JsonFactory JSON = new JsonFactory();

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
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        Decision d = exchange.decision();
        Caller caller = exchange.caller();
        Attempt last = completion.attempts().isEmpty() ? null : completion.attempts().get(completion.attempts().size() - 1);
        Candidate modelLess = d == null && !exchange.candidates().isEmpty() ? exchange.candidates().get(0) : null;
        String concrete = last != null ? last.candidate().model() : d != null ? d.concrete() : null;
        String provider = last != null ? last.candidate().provider() : d != null ? d.provider()
                : modelLess != null ? modelLess.provider() : null;
        Usage u = completion.usage();
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeStringProperty("request_id", exchange.id());
            g.writeStringProperty("time", exchange.startedAt().toString());
            g.writeStringProperty("method", exchange.method());
            g.writeStringProperty("endpoint", exchange.path());
            g.writeStringProperty("client", caller == null ? null : caller.clientName());
            g.writeStringProperty("user_path", caller == null ? null : caller.userPath());
            g.writeStringProperty("requested_model", d == null ? null : d.requested());
            g.writeStringProperty("concrete_model", concrete);
            g.writeStringProperty("virtual_model", d == null ? null : d.redirect());
            g.writeStringProperty("target", d == null || d.redirect() == null ? null : d.target());
            g.writeStringProperty("provider", provider);
            number(g, "status", completion.status() == 0 ? null : (long) completion.status());
            g.writeStringProperty("error_code", completion.errorCode());
            g.writeNumberProperty("attempts", completion.attempts().size());
            number(g, "upstream_status", last == null || last.status() == 0 ? null : (long) last.status());
            // Every target tried, in order (SPEC section 11): the failed ones before the one that answered.
            g.writeArrayPropertyStart("attempted");
            for (Attempt a : completion.attempts()) {
                g.writeStartObject();
                g.writeStringProperty("model", a.candidate().model());
                g.writeStringProperty("provider", a.candidate().provider());
                number(g, "status", a.status() == 0 ? null : (long) a.status());
                g.writeStringProperty("error", a.error());
                g.writeNumberProperty("duration_ms", millis(a.durationNanos()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberProperty("duration_ms", millis(completion.durationNanos()));
            if (completion.firstByteNanos() < 0) {
                g.writeNullProperty("first_byte_ms");
            } else {
                g.writeNumberProperty("first_byte_ms", millis(completion.firstByteNanos()));
            }
            number(g, "input_tokens", u.inputTokens());
            number(g, "output_tokens", u.outputTokens());
            number(g, "cached_tokens", u.cachedTokens());
            number(g, "reasoning_tokens", u.reasoningTokens());
            g.writeStringProperty("finish_reason", u.finishReason());
            Feedback f = completion.feedback();
            if (f != null) {
                // POST /v1/feedback: the score, and the comment (cut to 500 characters), kept only here.
                g.writeStringProperty("feedback_for", f.requestId());
                g.writeNumberProperty("feedback_score", f.score());
                g.writeStringProperty("feedback_comment", f.comment());
            }
            g.writeEndObject();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void number(JsonGenerator g, String name, Long value) {
        if (value == null) {
            g.writeNullProperty(name);
        } else {
            g.writeNumberProperty(name, value);
        }
    }

    /** Milliseconds with microsecond precision. */
    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
