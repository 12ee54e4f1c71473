package dev.switchboard.exchange;

import dev.switchboard.error.ErrorResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What happens to one exchange after its decision, as it happens: attempts, the first byte, usage,
 * the gateway's own error code, and the end. The filter and the proxy report here; each report goes
 * to the {@link Listeners} at once. {@link #complete} fires {@code onComplete} exactly once, however
 * many threads race to end the exchange. Thread-safe.
 */
public final class Recorder {

    private final Listeners listeners;
    private final long startNanos;
    private volatile Exchange exchange;
    private final List<Attempt> attempts = new ArrayList<>(1);
    private volatile long firstByteNanos = -1;
    private volatile Usage usage = Usage.UNKNOWN;
    private volatile Feedback feedback;
    private volatile String errorCode;
    private volatile boolean cut;
    private final AtomicBoolean firstByteSeen = new AtomicBoolean();
    private final AtomicBoolean completed = new AtomicBoolean();

    Recorder(Listeners listeners, long startNanos) {
        this.listeners = listeners;
        this.startNanos = startNanos;
    }

    void bind(Exchange exchange) {
        this.exchange = exchange;
    }

    void decided() {
        Exchange e = exchange;
        listeners.decision(e);
    }

    /** @return whether the exchange was decided: its model resolved ({@link Exchange#withDecision}) */
    public boolean hasDecision() {
        Exchange e = exchange;
        return e != null && e.decision() != null;
    }

    /** @return the number the next attempt gets (1 for the first) */
    public int nextAttemptNumber() {
        synchronized (attempts) {
            return attempts.size() + 1;
        }
    }

    /**
     * One upstream attempt ended.
     *
     * @param attempt the attempt
     */
    public void attempt(Attempt attempt) {
        synchronized (attempts) {
            attempts.add(attempt);
        }
        Exchange e = exchange;
        listeners.attempt(e, attempt);
    }

    /** The first byte of the response body went to the client; later calls do nothing. */
    public void firstByte() {
        if (firstByteSeen.compareAndSet(false, true)) {
            long at = System.nanoTime() - startNanos;
            firstByteNanos = at;
            Exchange e = exchange;
            listeners.firstByte(e, at);
        }
    }

    /**
     * Usage was read from the response.
     *
     * @param usage what the response said
     */
    public void usage(Usage usage) {
        this.usage = usage;
        Exchange e = exchange;
        listeners.usage(e, usage);
    }

    /**
     * This exchange is a {@code POST /v1/feedback} that gave this score (for the access log).
     *
     * @param feedback the score
     */
    public void feedback(Feedback feedback) {
        this.feedback = feedback;
    }

    /**
     * The gateway answers with one of its own errors (SPEC section 5) instead of an upstream response.
     *
     * @param error the error being sent
     */
    public void error(ErrorResponse error) {
        this.errorCode = error.code();
    }

    /**
     * The response started but cannot be finished: the client is shown a cut (the connection ends without
     * the end of the body), and the exchange ends as an error. The first cause reported wins.
     *
     * @param code why: {@code upstream_unavailable} (the upstream closed or reset its response),
     *     {@code upstream_timeout} (it went silent past the idle timeout), {@code shutting_down} (the gateway's
     *     drain time ran out), {@link Completion#CLIENT_DISCONNECTED}, {@link Completion#CLIENT_TIMEOUT}
     */
    public synchronized void cut(String code) {
        if (!cut) {
            cut = true;
            errorCode = code;
        }
    }

    /**
     * The client left before any of its answer reached it: the exchange ends as {@link Completion#CLIENT_DISCONNECTED}
     * (with status 0: the client got none), unless a cut was reported first.
     */
    public synchronized void left() {
        if (!cut) {
            errorCode = Completion.CLIENT_DISCONNECTED;
        }
    }

    /**
     * The exchange ended. Only the first call counts.
     *
     * @param status the status the client got, or 0 when none
     */
    public void complete(int status) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        List<Attempt> done;
        synchronized (attempts) {
            done = List.copyOf(attempts);
        }
        Usage u = usage;
        // An error body under an error status is the upstream's own error answer, which the status says; under a 2xx it
        // is the error the status hid.
        String code = errorCode == null && u.errorEvent() && status / 100 == 2 ? Completion.UPSTREAM_ERROR_EVENT
                : errorCode;
        Completion c = new Completion(status, code, cut, done, System.nanoTime() - startNanos, firstByteNanos, u, feedback);
        Exchange e = exchange;
        listeners.complete(e, c);
    }

    /** @return whether {@link #complete} was called */
    public boolean completed() {
        return completed.get();
    }
}
