package dev.switchboard.exchange;

import dev.switchboard.ops.Log;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

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

    private Listeners(List<ExchangeListener> listeners) {
        this.listeners = listeners.toArray(ExchangeListener[]::new);
        this.lastLogged = new AtomicLongArray(this.listeners.length);
        for (int i = 0; i < this.listeners.length; i++) {
            lastLogged.set(i, Long.MIN_VALUE);
        }
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

    /**
     * Calls {@code event} on every listener; what a listener throws is contained.
     *
     * @param event the call to make
     */
    void fire(Consumer<ExchangeListener> event) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                event.accept(listeners[i]);
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
