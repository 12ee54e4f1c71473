package dev.switchboard.exchange;

import dev.switchboard.ops.Log;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * The listeners of one gateway, called with containment: a listener that throws is logged at most
 * once per minute (per listener) and otherwise ignored, so it can neither fail a request nor stop
 * the other listeners (SPEC section 9). Immutable; thread-safe.
 */
public final class Listeners {

    /** No listeners: every event is a no-op. */
    public static final Listeners NONE = new Listeners(List.of());

    static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Log LOG = Log.get(Listeners.class);

    private final ExchangeListener[] listeners;
    /** Per listener: when its last failure was logged (System.nanoTime), or Long.MIN_VALUE. */
    private final AtomicLongArray lastLogged;
    /**
     * Per event, the positions of the listeners that handle it (override its method): a listener is not called
     * for the events it leaves to the interface's empty default. (Calling every listener for every event through a
     * capturing lambda was five allocations and about fifteen dispatches per exchange, most of them to no-ops.)
     */
    private final int[] decision;
    private final int[] attempt;
    private final int[] firstByte;
    private final int[] usage;
    private final int[] complete;

    private Listeners(List<ExchangeListener> listeners) {
        this.listeners = listeners.toArray(ExchangeListener[]::new);
        this.lastLogged = new AtomicLongArray(this.listeners.length);
        for (int i = 0; i < this.listeners.length; i++) {
            lastLogged.set(i, Long.MIN_VALUE);
        }
        decision = handling("onDecision", Exchange.class);
        attempt = handling("onAttempt", Exchange.class, Attempt.class);
        firstByte = handling("onFirstByte", Exchange.class, long.class);
        usage = handling("onUsage", Exchange.class, Usage.class);
        complete = handling("onComplete", Exchange.class, Completion.class);
    }

    /** @return the positions of the listeners whose class overrides that method of {@link ExchangeListener} */
    private int[] handling(String method, Class<?>... parameters) {
        return IntStream.range(0, listeners.length).filter(i -> {
            try {
                return listeners[i].getClass().getMethod(method, parameters).getDeclaringClass() != ExchangeListener.class;
            } catch (NoSuchMethodException e) {
                throw new AssertionError("ExchangeListener has " + method, e);
            }
        }).toArray();
    }

    /**
     * @param listeners the listeners, called in this order
     * @return them, contained
     */
    public static Listeners of(List<? extends ExchangeListener> listeners) {
        return listeners.isEmpty() ? NONE : new Listeners(List.copyOf(listeners));
    }

    /** @return whether there is no listener (callers may skip building event data) */
    public boolean isEmpty() {
        return listeners.length == 0;
    }

    /** One event's call on a listener; the implementations below capture nothing, so a call allocates nothing. */
    private interface Call<A> {
        void on(ExchangeListener listener, Exchange exchange, A argument);
    }

    private static final Call<Void> DECISION = (l, e, a) -> l.onDecision(e);
    private static final Call<Attempt> ATTEMPT = ExchangeListener::onAttempt;
    private static final Call<Long> FIRST_BYTE = ExchangeListener::onFirstByte;
    private static final Call<Usage> USAGE = ExchangeListener::onUsage;
    private static final Call<Completion> COMPLETE = ExchangeListener::onComplete;

    void decision(Exchange exchange) {
        fire(decision, DECISION, exchange, null);
    }

    void attempt(Exchange exchange, Attempt attempt) {
        fire(this.attempt, ATTEMPT, exchange, attempt);
    }

    void firstByte(Exchange exchange, long nanosSinceStart) {
        if (firstByte.length > 0) {
            // Checked first: the time is boxed for the call, and no listener of the bundled proxy wants it.
            fire(firstByte, FIRST_BYTE, exchange, nanosSinceStart);
        }
    }

    void usage(Exchange exchange, Usage usage) {
        fire(this.usage, USAGE, exchange, usage);
    }

    void complete(Exchange exchange, Completion completion) {
        fire(complete, COMPLETE, exchange, completion);
    }

    /** Calls the listeners at those positions; what a listener throws is contained. */
    private <A> void fire(int[] which, Call<A> call, Exchange exchange, A argument) {
        for (int i : which) {
            try {
                call.on(listeners[i], exchange, argument);
            } catch (RuntimeException | LinkageError e) {
                logRarely(i, e);
            }
        }
    }

    private void logRarely(int i, Throwable e) {
        long now = System.nanoTime();
        long last = lastLogged.get(i);
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_NANOS) && lastLogged.compareAndSet(i, last, now)) {
            LOG.warn("Switchboard: exchange listener {} failed (ignored; logged at most once a minute)",
                    listeners[i].getClass().getName(), e);
        }
    }
}
