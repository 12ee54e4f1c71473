package dev.switchboard.rules;

/** A fixed 64-bit hash (FNV-1a, then a MurmurHash3 finalizer): the same on every node and JVM. */
final class Hashing {

    static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hashing() {
    }

    static long fnv1a(long h, byte[] bytes) {
        for (byte b : bytes) {
            h = fnv1a(h, b);
        }
        return h;
    }

    static long fnv1a(long h, byte b) {
        return (h ^ (b & 0xff)) * FNV_PRIME;
    }

    /** MurmurHash3 fmix64: spreads FNV's weak low bits over the whole word. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
