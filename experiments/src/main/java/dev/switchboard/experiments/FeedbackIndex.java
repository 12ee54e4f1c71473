package dev.switchboard.experiments;

import dev.switchboard.exchange.FeedbackSink;
import dev.switchboard.rules.Caller;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * The exchanges open for feedback (SPEC section 10): for each request id, who sent it, when, whether it was
 * scored, and a value (its arm). Held in primitive arrays in two generations of {@link #GENERATION} ids: new ids
 * go into the young one; when it is full the old one is emptied (its tables are reused: no new ones after the
 * first two) and becomes the young one, and the young one becomes old. So at most
 * {@link #CAPACITY} ids are held, the oldest always go first, and the latest {@code GENERATION} are always kept.
 *
 * <p>Why not a map of small objects: every exchange puts an entry that must outlive many young collections, so
 * boxed entries are copied and promoted over and over (measured on the bundled proxy: young pauses of 20 ms
 * instead of 1.3 ms, and a p99 six times the gateway's without experiments). Here a put writes a few array cells
 * of one of two long-lived tables (2.3 MB each, made on first use). Request ids and callers are kept as seeded
 * 128- and 64-bit MurmurHash3 hashes; an id that is not in the index matches one that is with a probability
 * of about 2^-111. Thread-safe: one lock, held for a hash-table probe.
 *
 * @param <V> the value of an id (shared, long-lived objects: the index holds references to them)
 */
final class FeedbackIndex<V> {

    /** Slots of one generation's open-addressing table (a power of two). */
    static final int SLOTS = 1 << 16;
    /** Ids per generation: the table is at most three quarters full. */
    static final int GENERATION = SLOTS / 4 * 3;
    /** The most ids held. */
    static final int CAPACITY = 2 * GENERATION;

    /**
     * What scoring an id gave.
     *
     * @param result recorded (the value is the id's), unknown, or scored before
     * @param value the id's value when recorded, else {@code null}
     * @param <V> the value type
     */
    record Claim<V>(FeedbackSink.Result result, V value) {
    }

    private final long seed;
    /** Guarded by this. */
    private Generation young;
    /** Guarded by this. */
    private Generation old;
    /** Guarded by this. */
    private int tablesMade;

    FeedbackIndex() {
        this(new SecureRandom().nextLong());
    }

    /** @param seed the hashes' seed (tests fix it) */
    FeedbackIndex(long seed) {
        this.seed = seed;
    }

    /**
     * Opens an exchange for feedback; an id put again by the same caller replaces what it had (and is unscored), one
     * put by another caller is another entry.
     *
     * @param requestId its request id
     * @param caller who sent it, or {@code null} when anonymous
     * @param atMillis when it ended (epoch millis)
     * @param value its value
     */
    void put(String requestId, Caller caller, long atMillis, V value) {
        long who = callerHash(caller);
        long[] id = idHash(requestId, who);
        synchronized (this) {
            if (young == null) {
                young = newGeneration();
            }
            int slot = young.find(id[0], id[1]);
            if (slot < 0 && young.size >= GENERATION) {
                // The dropped generation's tables are emptied and reused: new 2.3 MB tables every GENERATION
                // exchanges were copied by young collections until promoted, then piled up in the old one
                // (a p99 1.3 x and 70-100 MB more RSS than the gateway without experiments, bench/NOTES.md).
                Generation recycled = old == null ? newGeneration() : old.clear();
                old = young;
                young = recycled;
                slot = young.find(id[0], id[1]);
            }
            young.put(slot, id[0], id[1], who, atMillis, value);
        }
    }

    /**
     * Scores an id once.
     *
     * @param requestId the id named by the feedback
     * @param caller who sends the feedback: only the exchange's own caller may score it
     * @param notBeforeMillis ids that ended before this (epoch millis) are expired
     * @return {@code RECORDED} with the id's value the first time; {@code ALREADY_SCORED} after that;
     *     {@code UNKNOWN} for an id never put, dropped, expired or another caller's
     */
    Claim<V> claim(String requestId, Caller caller, long notBeforeMillis) {
        long who = callerHash(caller);
        long[] id = idHash(requestId, who);
        synchronized (this) {
            Generation g = young;
            int slot = g == null ? -1 : g.find(id[0], id[1]);
            if (slot < 0) {
                g = old;
                slot = g == null ? -1 : g.find(id[0], id[1]);
            }
            if (slot < 0 || g.at(slot) < notBeforeMillis || g.caller(slot) != who) {
                return new Claim<>(FeedbackSink.Result.UNKNOWN, null);
            }
            if (g.scored(slot)) {
                return new Claim<>(FeedbackSink.Result.ALREADY_SCORED, null);
            }
            g.score(slot);
            @SuppressWarnings("unchecked")
            V value = (V) g.value[slot];
            return new Claim<>(FeedbackSink.Result.RECORDED, value);
        }
    }

    private Generation newGeneration() {
        tablesMade++;
        return new Generation();
    }

    /** @return how many generations' tables were ever made: two, however many ids pass through */
    synchronized int tablesMade() {
        return tablesMade;
    }

    /** @return how many ids are held (an id put in both generations counts twice) */
    synchronized int size() {
        return (young == null ? 0 : young.size) + (old == null ? 0 : old.size);
    }

    /**
     * An id is keyed with its caller: a client's {@code X-Request-Id} is reused as the exchange's id (SPEC section 9), so
     * two callers may send the same one (a shared trace id, a guess), and one must not replace the other's exchange.
     */
    private long[] idHash(String requestId, long who) {
        return MurmurHash3.hash(requestId.getBytes(StandardCharsets.UTF_8), seed ^ who);
    }

    private long callerHash(Caller caller) {
        if (caller == null) {
            return 0;
        }
        // Length-prefixed fields: ("a", "bc") and ("ab", "c") differ; null differs from "".
        StringBuilder sb = new StringBuilder(64);
        for (String field : new String[] {caller.userPath(), caller.clientName(), caller.sessionId()}) {
            sb.append(field == null ? -1 : field.length()).append(':').append(field == null ? "" : field);
        }
        long h = MurmurHash3.hash(sb.toString().getBytes(StandardCharsets.UTF_8), seed)[0];
        // 0 is the anonymous caller's.
        return h == 0 ? 1 : h;
    }

    /**
     * One open-addressing table (linear probing; nothing is ever removed from it, it is dropped whole). A slot's
     * four numbers sit side by side in one array (id hash high and low, caller hash, time with the scored flag in
     * its sign bit), so a put or a probe touches two cache lines, not six.
     */
    private static final class Generation {
        private static final int HI = 0;
        private static final int LO = 1;
        private static final int CALLER = 2;
        private static final int AT = 3;
        private static final long SCORED = Long.MIN_VALUE;

        final long[] cells = new long[4 * SLOTS];
        /** {@code null}: the slot is free. */
        final Object[] value = new Object[SLOTS];
        int size;

        /** @return the id's slot, or {@code -(free slot) - 1} when it has none */
        int find(long h, long l) {
            int i = (int) l & (SLOTS - 1);
            while (value[i] != null) {
                if (cells[4 * i + HI] == h && cells[4 * i + LO] == l) {
                    return i;
                }
                i = (i + 1) & (SLOTS - 1);
            }
            return -i - 1;
        }

        void put(int found, long h, long l, long who, long atMillis, Object v) {
            int i = found >= 0 ? found : -found - 1;
            if (found < 0) {
                size++;
                cells[4 * i + HI] = h;
                cells[4 * i + LO] = l;
            }
            cells[4 * i + CALLER] = who;
            // Unscored; epoch millis are never negative.
            cells[4 * i + AT] = atMillis & ~SCORED;
            value[i] = v;
        }

        /** @return this generation, emptied */
        Generation clear() {
            Arrays.fill(cells, 0L);
            Arrays.fill(value, null);
            size = 0;
            return this;
        }

        long caller(int i) {
            return cells[4 * i + CALLER];
        }

        long at(int i) {
            return cells[4 * i + AT] & ~SCORED;
        }

        boolean scored(int i) {
            return (cells[4 * i + AT] & SCORED) != 0;
        }

        void score(int i) {
            cells[4 * i + AT] |= SCORED;
        }
    }
}
