package dev.switchboard.experiments;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The most recent entries by key, in two generations of at most {@code capacity / 2} each: new entries go into
 * the young one; when it is full the old generation is dropped whole and the young one becomes old. So at most
 * {@code capacity} entries are held, the oldest always go first, and the most recent {@code capacity / 2} are
 * always kept. A put is one hash-map put and one counter increment: no eviction policy, no maintenance thread
 * (which is why the feedback index of every exchange uses this and not a general cache, whose admission policy
 * may also turn away new entries that were never read in favour of old ones). Expiry is the caller's: entries
 * carry their own time. Thread-safe.
 *
 * @param <V> the entries
 */
final class RecentIndex<V> {

    private final int generation;
    private volatile ConcurrentHashMap<String, V> young;
    private volatile ConcurrentHashMap<String, V> old = new ConcurrentHashMap<>();
    private final AtomicInteger youngSize = new AtomicInteger();

    /** @param capacity the most entries held; at least 2 */
    RecentIndex(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be >= 2, but was " + capacity);
        }
        this.generation = capacity / 2;
        this.young = new ConcurrentHashMap<>(Math.min(generation, 1024));
    }

    /**
     * @param key the key
     * @param value its entry (replaces one it had in the young generation)
     */
    void put(String key, V value) {
        young.put(key, value);
        if (youngSize.incrementAndGet() >= generation) {
            rotate();
        }
    }

    /**
     * @param key the key
     * @return its entry, or {@code null} when it has none or it was dropped
     */
    V get(String key) {
        V v = young.get(key);
        return v != null ? v : old.get(key);
    }

    /** @return how many entries are held (a key put twice across generations counts twice) */
    int size() {
        return young.size() + old.size();
    }

    private synchronized void rotate() {
        if (youngSize.get() < generation) {
            // Another thread rotated first.
            return;
        }
        ConcurrentHashMap<String, V> next = new ConcurrentHashMap<>(Math.min(generation, 1024));
        old = young;
        young = next;
        youngSize.set(0);
    }
}
