package dev.switchboard.jetty;

import dev.switchboard.config.ServerSettings;
import dev.switchboard.error.ApiError;
import dev.switchboard.exchange.Exchange;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Holds a request back until its body has arrived, reading it without a thread (SPEC section 15): a slow
 * or stalled sender costs a connection and the bytes it sent, never one of the pool's threads, so a few
 * hundred of them cannot keep other requests waiting. The servlets behind then read the body from memory.
 *
 * <p>A body that is silent for {@code server.request_body_timeout}, or that has not arrived by
 * {@code request_body_timeout} plus one second per {@code server.request_body_min_rate} bytes received
 * (Apache's {@code mod_reqtimeout} rule: a trickle cannot hold a connection forever, a large upload at a
 * reasonable speed is never cut), ends with a {@link TimeoutException} where the rest of the body would
 * have been: the filter answers 408 {@code request_timeout} in the shape of SPEC section 5, recorded as
 * its exchange.
 *
 * <p>How much of a body is held is the request's own ({@link BodyAdmission}): {@code server.max_request_bytes}
 * on the API's paths, less on the admin paths, and nothing for a request refused for its credentials (a gateway key
 * the rules do not accept, an admin request without the token or a session), which passes at once, so that a client
 * without credentials holds none of the memory bodies are held in. Bodies declared larger than that pass at once
 * (the servlets refuse them unread); a chunked body that grows past it passes with what arrived so far, the rest
 * read as it comes. Settings are read per request, so a reload applies to the next one. Thread-safe.
 */
final class RequestBodyGate extends Handler.Wrapper {

    /** Where the rest of a body that did not arrive in time would have been. Stackless. */
    static final class BodyTimeout extends TimeoutException {
        private static final long serialVersionUID = 1L;

        BodyTimeout() {
            super("the request body did not arrive within server.request_body_timeout at server.request_body_min_rate");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private final Supplier<ServerSettings> settings;
    private final ToLongFunction<Request> admission;
    private final Budget budget;

    /**
     * @param next the handler that gets the request once its body is in
     * @param settings the current server settings
     * @param admission the most bytes of a request's body to hold, or a negative number for none (it passes at once)
     * @param heldBytes the most bytes of request bodies held at once, across requests (one body is always let in)
     */
    RequestBodyGate(Handler next, Supplier<ServerSettings> settings, ToLongFunction<Request> admission, long heldBytes) {
        super(next);
        this.settings = settings;
        this.admission = admission;
        this.budget = new Budget(heldBytes);
    }

    /**
     * The bytes of request bodies held at once: many large bodies at once (a dozen of 30 MB in a 256 MB heap) ran the
     * heap out, and the OutOfMemoryErrors killed the acceptor and the pool's threads, leaving a process that accepted
     * nothing. A body is taken in only while the total stays within the bound, or when it is the only one held.
     */
    private static final class Budget {
        private final long limit;
        /** Guarded by this. */
        private long held;

        Budget(long limit) {
            this.limit = limit;
        }

        /** @param mine what the asking body holds already: it may take any amount while it is the only one held */
        synchronized boolean take(long bytes, long mine) {
            if (held + bytes <= limit || held == mine) {
                held += bytes;
                return true;
            }
            return false;
        }

        synchronized void release(long bytes) {
            held -= bytes;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getLength();
        boolean body = length > 0 || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
        ServerSettings now = settings.get();
        if (!body) {
            return super.handle(request, response, callback);
        }
        long most = admission.applyAsLong(request);
        if (most < 0 || length > most) {
            // Refused unread where it goes (its credentials, or its size): nothing of it held, the rest dropped after.
            return super.handle(request, response, new Linger(request, callback, length < 0 ? LINGER_BYTES
                    : Math.min(LINGER_BYTES, length)));
        }
        // The exchange starts when the request arrived, not when its body is in: its duration counts the wait.
        request.setAttribute(Exchange.ARRIVED_NANOS, request.getBeginNanoTime());
        long declared = Math.max(length, 0);
        if (!budget.take(declared, 0)) {
            // Refused before a byte of it is read (the filter answers 503 overloaded); the rest is read and dropped after.
            Buffered refused = new Buffered(request, new ArrayDeque<>(),
                    Content.Chunk.from(new ApiError.HeldBodiesFull(), true));
            return super.handle(refused, response, new Linger(request, callback, Math.min(LINGER_BYTES, length)));
        }
        new Arrival(request, response, callback, now, most, declared).run();
        return true;
    }

    /** The most of a refused body read and dropped after its answer ({@link Linger}). */
    static final long LINGER_BYTES = 1024L * 1024 * 1024;

    /**
     * After the answer to a body declared larger than {@code max_request_bytes} (the filter's 413, sent unread), the
     * rest of the body is read and dropped, up to {@code limit} bytes, before the request ends and the connection
     * closes: a client still sending (an SDK streaming a multipart upload) then reads the 413, where a close under it
     * was a broken pipe, an SDK's "connection error", and two more uploads of the whole file by its retries. Without a
     * thread: read as it comes; a client that stops sending is ended by the connection's idle timeout. A body the
     * request passed on (an upload part) is read already: nothing is left.
     */
    private static final class Linger implements Callback, Runnable {
        private final Request request;
        private final Callback callback;
        private long left;

        Linger(Request request, Callback callback, long limit) {
            this.request = request;
            this.callback = callback;
            this.left = limit;
        }

        @Override
        public void succeeded() {
            run();
        }

        @Override
        public void failed(Throwable x) {
            callback.failed(x);
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                boolean end = chunk.isLast() || Content.Chunk.isFailure(chunk);
                left -= chunk.remaining();
                chunk.release();
                if (end || left < 0) {
                    callback.succeeded();
                    return;
                }
            }
        }
    }

    /** Hands the request on; runs on a thread that may block (the servlets do). */
    private void forward(Request request, Response response, Callback callback) {
        try {
            if (!super.handle(request, response, callback)) {
                Response.writeError(request, response, callback, 404);
            }
        } catch (Throwable x) {
            Response.writeError(request, response, callback, x);
        }
    }

    /** One body on its way in. */
    private final class Arrival implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long timeoutNanos;
        private final int minRate;
        private final long max;
        private final long startNanos = System.nanoTime();
        private final Deque<Content.Chunk> chunks = new ArrayDeque<>();
        private final Scheduler scheduler;
        /** Guarded by this: bytes of the budget this body holds (its declared length, or what came of a chunked one). */
        private long taken;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        /** Guarded by this: bytes received, when the last ones came, whether the request was handed on. */
        private long received;
        private long lastNanos = startNanos;
        private boolean forwarded;
        private Scheduler.Task timer;

        Arrival(Request request, Response response, Callback callback, ServerSettings settings, long most, long taken) {
            this.request = request;
            this.response = response;
            this.taken = taken;
            // The body's bytes are held until the request ends (the filter and the proxy keep copies of them).
            this.callback = Callback.from(this::release, callback);
            this.timeoutNanos = settings.requestBodyTimeout().toNanos();
            this.minRate = settings.requestBodyMinRate();
            this.max = most;
            this.scheduler = request.getComponents().getScheduler();
        }

        /** Reads what is there; asks to be called again when more comes. */
        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk;
                synchronized (this) {
                    // Once handed on (the timer may have done it) the request's content is not ours to touch.
                    if (forwarded) {
                        return;
                    }
                    chunk = request.read();
                    if (chunk == null) {
                        if (timer == null) {
                            // Only a body that must be waited for gets a timer (most arrive with their headers):
                            // no deadline can fall before start + timeout, so the first check is due then.
                            timer = scheduler.schedule(this::check, startNanos + timeoutNanos - System.nanoTime(),
                                    TimeUnit.NANOSECONDS);
                        }
                        request.demand(this);
                        return;
                    }
                }
                if (Content.Chunk.isFailure(chunk)) {
                    // The client's body broke (a reset, a bad chunk): the reader downstream gets the failure.
                    forward(Content.Chunk.from(chunk.getFailure(), true), false);
                    return;
                }
                boolean last = chunk.isLast();
                Content.Chunk copy = copy(chunk);
                chunk.release();
                boolean over;
                boolean full = false;
                synchronized (this) {
                    if (forwarded) {
                        return;
                    }
                    if (copy != null) {
                        long more = received + copy.remaining() - taken;
                        if (more > 0 && !budget.take(more, taken)) {
                            full = true;
                        } else {
                            taken += Math.max(more, 0);
                            chunks.add(copy);
                            received += copy.remaining();
                        }
                    }
                    lastNanos = System.nanoTime();
                    over = received > max;
                }
                if (full) {
                    // A chunked body that grew past what the gateway may hold now: the filter answers 503 overloaded.
                    forward(Content.Chunk.from(new ApiError.HeldBodiesFull(), true), false);
                    return;
                }
                if (last) {
                    forward(Content.Chunk.EOF, false);
                    return;
                }
                if (over) {
                    // Too large to hold: the filter refuses it (413) after reading one byte more than the cap.
                    forward(null, false);
                    return;
                }
            }
        }

        private void release() {
            if (released.compareAndSet(false, true)) {
                long bytes;
                synchronized (this) {
                    bytes = taken;
                }
                budget.release(bytes);
            }
        }

        /** The timer: has the body missed its deadline? */
        private void check() {
            long now = System.nanoTime();
            long deadline;
            synchronized (this) {
                if (forwarded) {
                    return;
                }
                deadline = lastNanos + timeoutNanos;
                if (minRate > 0) {
                    deadline = Math.min(deadline, startNanos + timeoutNanos + received * 1_000_000_000L / minRate);
                }
            }
            if (now - deadline < 0) {
                synchronized (this) {
                    if (!forwarded) {
                        timer = scheduler.schedule(this::check, deadline - now, TimeUnit.NANOSECONDS);
                    }
                }
                return;
            }
            forward(Content.Chunk.from(new BodyTimeout(), true), true);
        }

        /**
         * Hands the request on, once.
         *
         * @param end what follows the bytes received: EOF, a failure, or {@code null} for the rest of the body as it comes
         * @param fromTimer whether this runs on the scheduler's thread, which must not run servlets
         */
        private void forward(Content.Chunk end, boolean fromTimer) {
            Buffered buffered;
            synchronized (this) {
                if (forwarded) {
                    return;
                }
                forwarded = true;
                buffered = new Buffered(request, new ArrayDeque<>(chunks), end);
                chunks.clear();
                if (timer != null) {
                    // A body that was waited for and then came: its timer must not fire for it later.
                    timer.cancel();
                }
            }
            // A body that grew past max_request_bytes is refused unread (413): the rest is dropped after the answer.
            Callback then = end == null ? new Linger(request, callback, LINGER_BYTES) : callback;
            if (fromTimer) {
                request.getContext().execute(() -> RequestBodyGate.this.forward(buffered, response, then));
            } else {
                RequestBodyGate.this.forward(buffered, response, then);
            }
        }

        private static Content.Chunk copy(Content.Chunk chunk) {
            if (!chunk.hasRemaining()) {
                return null;
            }
            ByteBuffer from = chunk.getByteBuffer();
            ByteBuffer bytes = ByteBuffer.allocate(from.remaining());
            bytes.put(from.slice()).flip();
            return Content.Chunk.from(bytes, false);
        }
    }

    /** The request with its body read from memory: the chunks received, then their end (or the live rest). */
    private static final class Buffered extends Request.Wrapper {
        private final Deque<Content.Chunk> chunks;
        private final Content.Chunk end;

        Buffered(Request request, Deque<Content.Chunk> chunks, Content.Chunk end) {
            super(request);
            this.chunks = chunks;
            this.end = end;
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk next;
            synchronized (chunks) {
                next = chunks.poll();
            }
            if (next != null) {
                return next;
            }
            return end != null ? end : super.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            boolean ready;
            synchronized (chunks) {
                ready = !chunks.isEmpty() || end != null;
            }
            if (ready) {
                getContext().execute(demandCallback);
            } else {
                super.demand(demandCallback);
            }
        }

        @Override
        public boolean consumeAvailable() {
            synchronized (chunks) {
                chunks.clear();
            }
            return end == null ? super.consumeAvailable() : !Content.Chunk.isFailure(end);
        }
    }
}
