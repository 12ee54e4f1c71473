package dev.switchboard.jetty;

import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.Attempt;
import dev.switchboard.exchange.Completion;
import dev.switchboard.exchange.Exchange;
import dev.switchboard.exchange.Usage;
import dev.switchboard.exchange.UsageReader;
import dev.switchboard.rules.Candidate;
import dev.switchboard.rules.Provider;
import jakarta.servlet.http.HttpServletResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One attempt of {@link GatewayProxyServlet} in flight: the exchange, the candidate and its provider, when it was sent,
 * and what its events learned (status, usage, whether the client left). Its outcome goes to the target's breaker once
 * ({@link #succeeded}, {@link #failed}, {@link #released}); the client's connection is handed from the client watch to
 * the answer once ({@link #answering}).
 */
final class Upstream {
    final Exchange exchange;
    final Candidate candidate;
    final Provider provider;
    final FailoverPlan plan;
    /** Where its outcome goes: the target's circuit breaker. */
    final TargetBreakers.Permit permit;
    /** What it sends: the client's body with this candidate's model, or {@code null} to forward the client's stream. */
    final byte[] body;
    final int number;
    /** It is the decision's chosen candidate (the filter's {@code X-Switchboard-Model} names it already). */
    final boolean chosen;
    final long sentNanos = System.nanoTime();
    volatile int status;
    /** Given up on (a retried status, or a failure handed to the next attempt): its late events are ignored. */
    volatile boolean abandoned;
    /** The response-headers deadline of a stream that can fail over, or {@code null}. */
    volatile Scheduler.Task headersDeadline;
    /** Reads usage from the response as it passes (SPEC section 9), or {@code null} when there is none to read. */
    volatile UsageReader usage;
    /** A write to the client failed: the client is gone (or the server stopped under it). */
    volatile boolean clientGone;
    /**
     * Tomcat ended the request itself as its client left ({@code GatewayProxyServlet.ContainerEnded}): the exchange ended
     * there, and the request and its response are recycled, not this attempt's to touch.
     */
    volatile boolean containerEnded;
    /** Set by the first {@link #ended}: an attempt is recorded once, whichever of the proxy and the container ends it. */
    private final java.util.concurrent.atomic.AtomicBoolean endedOnce = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * When the last write to the client began and ended ({@link System#nanoTime}; the end 0 while it is under way, the
     * beginning 0 before the first).
     */
    volatile long writeBegan;
    volatile long writeEnded;

    /** @return whether a write to the client is under way (a slow reader can block it for long) */
    boolean writing() {
        return writeBegan != 0 && writeEnded == 0;
    }
    /** The body is an SSE stream. */
    volatile boolean sse;
    /**
     * Each chunk goes to the client as it arrives, not when a buffer fills: an SSE stream, NDJSON, or any answer to a
     * request that asked for a stream (a server that streams without saying so: a FastAPI StreamingResponse has no
     * Content-Type unless given one).
     */
    volatile boolean flushes;
    /** The client's body failed while streamed upstream: the row to answer with, else {@code null}. */
    volatile ApiError clientBodyFailed;
    /** The gateway's drain time ran out: {@link InFlight#cutAll} aborted this request. */
    volatile boolean shuttingDown;
    /** The upstream's response was not valid HTTP: the parser's reason in parentheses (or empty), else {@code null}. */
    volatile String malformed;
    /** The upstream's answer is one the gateway does not pass on ({@link GatewayProxyServlet#refusal}), else {@code null}. */
    volatile String refused;
    /** The gateway's own queue for the provider was full: the request never left. */
    volatile boolean queueFull;
    /** The TLS handshake with the upstream failed: why, else {@code null}. */
    volatile String tls;
    /** A byte of the response's body arrived (and may have gone on to the client). */
    volatile boolean bodyStarted;
    /** The request sent upstream, once sent. */
    volatile Request proxyRequest;
    /**
     * Who may use the client's connection: {@link #WAITING} (nothing of the answer's body yet: watchClient may read
     * it to see whether the client left, also after the upstream's status and headers, which a stream's server may
     * send long before its first token), {@link #PROBING} (it is reading), {@link #ANSWERING} (the answer's body, its
     * end or a failure owns it from then on: never read again).
     */
    private final AtomicInteger watch = new AtomicInteger();
    static final int WAITING = 0;
    static final int PROBING = 1;
    static final int ANSWERING = 2;
    /**
     * A look at the client's connection read a byte (the client sent its next request before this answer: HTTP
     * pipelining, which no LLM SDK does). The byte cannot be put back, so this answer closes the connection: set by
     * the watch, applied by the thread that answers ({@link #answering(HttpServletResponse)}), which alone touches
     * the response.
     */
    volatile boolean pipelined;
    /** The last bytes sent to the client (up to 4), to tell whether a stream stopped between events. */
    private int tail;
    private int tailLength;

    Upstream(FailoverPlan plan, Candidate candidate, Provider provider, TargetBreakers.Permit permit, byte[] body,
             boolean chosen) {
        this.chosen = chosen;
        this.exchange = plan.exchange;
        this.plan = plan;
        this.candidate = candidate;
        this.provider = provider;
        this.permit = permit;
        this.body = body;
        this.number = plan.started();
    }

    /**
     * The answer's body began (or it ended, or the attempt failed or was given up): from here on its events own the
     * client's connection and response, so a probe under way is waited out (a non-blocking read: microseconds) and
     * none starts. A byte a probe read closes the connection after this answer.
     *
     * @param response the client's response, not committed yet unless a failure comes after the body began
     */
    void answering(HttpServletResponse response) {
        answering();
        if (pipelined && !response.isCommitted()) {
            response.setHeader("Connection", "close");
        }
    }

    /** As {@link #answering(HttpServletResponse)}, for an attempt whose answer will not be the client's. */
    void answering() {
        while (true) {
            int w = watch.get();
            if (w == ANSWERING || w == WAITING && watch.compareAndSet(WAITING, ANSWERING)) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    /** @return whether a probe may read the client's connection now; if so, {@link #probed} ends it */
    boolean probing() {
        return watch.compareAndSet(WAITING, PROBING);
    }

    /** @param again whether a later probe may read the connection again */
    void probed(boolean again) {
        watch.compareAndSet(PROBING, again ? WAITING : ANSWERING);
    }

    /** The breaker heard this attempt's outcome: each attempt reports exactly one. */
    private final AtomicBoolean judged = new AtomicBoolean();
    /** A half-open probe's success was told at its first byte; then set once a later failure was told too. */
    private volatile boolean probedEarly;
    private final AtomicBoolean failedLater = new AtomicBoolean();

    /** A half-open probe's stream began: its success is told now (see {@link TargetBreakers.Permit#probe}). */
    void probeSucceeded() {
        if (judged.compareAndSet(false, true)) {
            probedEarly = true;
            permit.success();
        }
    }

    /** The target answered: an error status other than a retried one, or an answer that ended whole. */
    void succeeded() {
        if (judged.compareAndSet(false, true)) {
            permit.success();
        }
    }

    /**
     * The target failed: no answer, a retried status, an answer that broke (before its body: the next candidate
     * takes the request; later: the client saw the cut), or one that ended with an error in it.
     */
    void failed() {
        if (judged.compareAndSet(false, true)) {
            permit.failure();
        } else if (probedEarly && failedLater.compareAndSet(false, true)) {
            permit.failedLater();
        }
    }

    /** The attempt says nothing about the target (the client or the gateway ended it). */
    void released() {
        if (judged.compareAndSet(false, true)) {
            permit.release();
        }
    }

    /**
     * Whether its answer's usage is read (SPEC section 9): only the answer to a request that names a model states
     * usage this exchange spent; a batch, a stored response or completion fetched by id states the usage of work
     * done earlier, which counted then. Such an answer is asked for unencoded, so that the usage can be read.
     */
    /** The answer held whole to rewrite its batches' {@code results_url} ({@link BatchResultsUrls}), or {@code null}. */
    java.io.ByteArrayOutputStream held;
    /**
     * The start of a 2xx stream held until its first block ends, while another candidate may still take the request:
     * a stream that begins with an error event (Anthropic's overloaded_error after a 200) goes to the next candidate,
     * as a 529 would have. {@code null} when not held, or once passed on.
     */
    java.io.ByteArrayOutputStream start;

    boolean readsUsage() {
        return exchange.decision() != null;
    }

    /** The attempt's headers came, or it ended: its headers deadline is not set again ({@code watchHeaders}). */
    volatile boolean deadlineStopped;

    void stopDeadline() {
        deadlineStopped = true;
        Scheduler.Task t = headersDeadline;
        if (t != null) {
            t.cancel();
        }
    }

    /**
     * Records the attempt's end once, whichever of the proxy and the container (a client gone, in Tomcat) ends it.
     * Synchronized: the second caller, which completes the exchange next, waits until the first has recorded the
     * attempt (a fresh-clone CI run logged a stream left by its client in stock Tomcat with "attempts":0: the container
     * completed the exchange while the proxy's call was still reading the stream's usage).
     */
    synchronized void ended(int status, String error) {
        if (!endedOnce.compareAndSet(false, true)) {
            return;
        }
        UsageReader reader = usage;
        usage = null;
        if (reader != null) {
            // What the response said, also when it was cut short: a partial stream's usage is still known.
            Usage read = reader.finish();
            // Not an attempt failed over from: the exchange's usage is the answer's that took its place (what the
            // abandoned one stated would be counted under the model that answered).
            if (read != Usage.UNKNOWN && !abandoned) {
                exchange.recorder().usage(read);
            }
            if (read.errorEvent() && status / 100 == 2) {
                // An overloaded_error in a stream begun with 200 is the target failing, as a 529 would have been
                // (the Recorder ends such an exchange as upstream_error_event on the same condition), and the attempt
                // says so too unless it ended with another error (a cut after the event).
                failed();
                if (error == null) {
                    error = Completion.UPSTREAM_ERROR_EVENT;
                }
            }
        }
        exchange.recorder().attempt(new Attempt(number, candidate, status, error, System.nanoTime() - sentNanos));
    }

    synchronized void sent(byte[] buffer, int offset, int length) {
        for (int i = Math.max(offset, offset + length - 4); i < offset + length; i++) {
            tail = (tail << 8) | (buffer[i] & 0xff);
            tailLength = Math.min(4, tailLength + 1);
        }
    }

    /**
     * @return whether what the client got so far ends between two SSE events: nothing yet, or an empty line
     *     (a line terminator right after another one; CR, LF and CRLF all end lines)
     */
    synchronized boolean betweenEvents() {
        if (tailLength == 0) {
            return true;
        }
        int end = lineEnd(tail, tailLength);
        if (end == 0) {
            return false;
        }
        int rest = tailLength - end;
        // Only a terminator so far is an empty line too; fewer than 4 bytes kept means nothing came before them.
        return rest == 0 || lineEnd(tail >>> (8 * end), rest) > 0;
    }

    /** @return how many of the last {@code n} bytes of {@code bytes} are one line terminator (0 when none) */
    private static int lineEnd(int bytes, int n) {
        int last = bytes & 0xff;
        if (last == '\n') {
            return n >= 2 && ((bytes >>> 8) & 0xff) == '\r' ? 2 : 1;
        }
        return last == '\r' ? 1 : 0;
    }
}
