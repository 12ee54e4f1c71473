package dev.switchboard.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A provider stand-in for failover tests over a plain {@link ServerSocket} on port 0: every request it receives is
 * kept (head and body bytes), and it answers with its current {@link Behaviour} (one per upstream, changeable).
 * {@link Behaviour#REFUSE} closes the listening socket, so connections are refused, and resets the open ones.
 */
final class ScriptedUpstream {

    /** How the upstream answers. */
    enum Behaviour {
        /** 200 JSON naming this upstream. */
        OK,
        /** 200 SSE: two events naming this upstream, then a clean end. */
        STREAM,
        /** 200 SSE as {@link #STREAM}, its headers {@link #SLOW_MILLIS} late. */
        SLOW_STREAM,
        /** 200 SSE: one event, then a reset (fails mid-stream). */
        BREAK_MID_STREAM,
        /** 200 SSE: one event, then Anthropic's {@code overloaded_error} event and a clean end. */
        OVERLOADED_STREAM,
        /**
         * 200 SSE (with an {@code X-Upstream} header naming this upstream) whose first event is Anthropic's
         * {@code overloaded_error}, then a clean end, as Anthropic's API answers a stream when overloaded.
         */
        OVERLOADED_FIRST,
        /** As {@link #OVERLOADED_FIRST}, after an SSE comment sent alone (a keep-alive before the model begins). */
        COMMENT_THEN_OVERLOADED,
        /** 200 SSE: one event, then five SSE comments 300 ms apart (1.5 s, never silent for long), then as {@link #STREAM}. */
        LONG_STREAM,
        /** Refuses connections (nothing listens). */
        REFUSE,
        /** Reads the request, then resets the connection. */
        RESET,
        /**
         * The headers of an answer ({@link #status}, 200 unless {@link #headersThenReset} named another; SSE, with an
         * {@code X-Upstream} header naming this upstream), then a reset before any body.
         */
        HEADERS_THEN_RESET,
        /** 200 JSON naming this upstream, {@code Content-Length} its whole length, half of it, then a reset. */
        HALF_BODY_THEN_RESET,
        /** As {@link #HALF_BODY_THEN_RESET}, the half sent stating usage: 99 tokens in, 77 out. */
        HALF_BODY_WITH_USAGE_THEN_RESET,
        /** Reads the request, then says nothing until stopped. */
        STALL,
        /** Answers {@link #status} with an error body naming this upstream. */
        STATUS,
        /** As {@link #STATUS}, {@link #SLOW_MILLIS} late. */
        SLOW_STATUS
    }

    /** The event {@link Behaviour#OVERLOADED_STREAM} ends with. */
    static final String OVERLOADED = "event: error\n"
            + "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

    /** How late {@link Behaviour#SLOW_STREAM} sends its headers. */
    static final long SLOW_MILLIS = 700;

    /** One request as this upstream read it. */
    record Received(String head, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final String name;
    final List<Received> received = new CopyOnWriteArrayList<>();
    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-upstream");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ServerSocket server;
    private volatile Behaviour behaviour = Behaviour.OK;
    private volatile int status;

    ScriptedUpstream(String name) throws IOException {
        this.name = name;
        ServerSocket s = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.port = s.getLocalPort();
        listen(s);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The error body this upstream answers {@code status} with. */
    String errorBody(int code) {
        return "{\"error\":{\"message\":\"" + name + " says " + code + "\",\"type\":\"upstream\"}}";
    }

    /** The body of an {@link Behaviour#OK} answer. */
    String okBody() {
        return "{\"answered_by\":\"" + name + "\"}";
    }

    /** Answers from now on this way. */
    ScriptedUpstream answer(Behaviour b) throws IOException {
        if (b == Behaviour.REFUSE) {
            ServerSocket s = server;
            server = null;
            if (s != null) {
                s.close();
            }
            // A provider that refuses connections is down: the connections the gateway pooled from an earlier test
            // die with it. Left open, one would carry this test's request (and count as received) to a "refusing"
            // upstream, as happened once in CI.
            for (Socket o : open) {
                try {
                    resetConnection(o);
                } catch (IOException alreadyClosed) {
                    // its serve thread closed it first
                }
            }
        } else if (server == null) {
            // Listen again on the same port.
            listen(new ServerSocket(port, 200, InetAddress.getLoopbackAddress()));
        }
        behaviour = b;
        return this;
    }

    /** Answers from now on with this status and {@link #errorBody}. */
    ScriptedUpstream answer(int code) throws IOException {
        status = code;
        return answer(Behaviour.STATUS);
    }

    /** Answers from now on with this status and {@link #errorBody}, {@link #SLOW_MILLIS} late. */
    ScriptedUpstream answerLate(int code) throws IOException {
        status = code;
        return answer(Behaviour.SLOW_STATUS);
    }

    /**
     * Forgets what was received and answers OK again. Open connections stay open: closing them under the gateway's
     * connection pool would make its next request on one fail (and fail over) for a reason the test did not plan.
     */
    void reset() throws IOException {
        received.clear();
        status = 0;
        answer(Behaviour.OK);
    }

    /** Answers from now on with the headers of a {@code code} answer, then a reset before its body. */
    ScriptedUpstream headersThenReset(int code) throws IOException {
        status = code;
        return answer(Behaviour.HEADERS_THEN_RESET);
    }

    void stop() throws IOException {
        stopped.countDown();
        ServerSocket s = server;
        if (s != null) {
            s.close();
        }
        for (Socket o : open) {
            o.close();
        }
        threads.shutdownNow();
    }

    private void listen(ServerSocket s) {
        server = s;
        threads.execute(() -> {
            while (!s.isClosed()) {
                try {
                    Socket socket = s.accept();
                    open.add(socket);
                    threads.execute(() -> serve(socket));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void serve(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                Received r = read(in);
                if (r == null) {
                    return;
                }
                Behaviour b = behaviour;
                if (b == Behaviour.REFUSE) {
                    // A connection that was accepted (or pooled) just before the listening socket closed: a provider
                    // that is down processes nothing, so the request is not counted as received (a race seen in CI).
                    resetConnection(socket);
                    return;
                }
                received.add(r);
                switch (b) {
                    case OK -> write(out, 200, "application/json", okBody());
                    case STATUS -> write(out, status, "application/json", errorBody(status));
                    case SLOW_STATUS -> {
                        if (stopped.await(SLOW_MILLIS, TimeUnit.MILLISECONDS)) {
                            return;
                        }
                        write(out, status, "application/json", errorBody(status));
                    }
                    case STREAM, SLOW_STREAM, BREAK_MID_STREAM, OVERLOADED_STREAM, LONG_STREAM -> {
                        if (b == Behaviour.SLOW_STREAM && stopped.await(SLOW_MILLIS, TimeUnit.MILLISECONDS)) {
                            return;
                        }
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk("data: {\"from\":\"" + name + "\"}\n\n"));
                        out.flush();
                        if (b == Behaviour.BREAK_MID_STREAM) {
                            resetConnection(socket);
                            return;
                        }
                        if (b == Behaviour.OVERLOADED_STREAM) {
                            out.write(chunk(OVERLOADED));
                        }
                        for (int i = 0; b == Behaviour.LONG_STREAM && i < 5; i++) {
                            if (stopped.await(300, TimeUnit.MILLISECONDS)) {
                                return;
                            }
                            out.write(chunk(": still here\n\n"));
                            out.flush();
                        }
                        out.write(chunk("data: [DONE]\n\n"));
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    case OVERLOADED_FIRST, COMMENT_THEN_OVERLOADED -> {
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                                + "X-Upstream: " + name + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        if (b == Behaviour.COMMENT_THEN_OVERLOADED) {
                            out.write(chunk(": waiting\n\n"));
                            out.flush();
                            if (stopped.await(200, TimeUnit.MILLISECONDS)) {
                                return;
                            }
                        }
                        out.write(chunk(OVERLOADED));
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    case HALF_BODY_THEN_RESET, HALF_BODY_WITH_USAGE_THEN_RESET -> {
                        byte[] whole = (b == Behaviour.HALF_BODY_THEN_RESET ? okBody()
                                : "{\"usage\":{\"prompt_tokens\":99,\"completion_tokens\":77},\"answered_by\":\"" + name
                                + "\",\"pad\":\"" + "x".repeat(200) + "\"}").getBytes(StandardCharsets.UTF_8);
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + whole.length
                                + "\r\nX-Upstream: " + name + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(whole, 0, whole.length / 2);
                        out.flush();
                        // The bytes sent are read before the reset, which would drop them from the gateway's socket.
                        if (!stopped.await(100, TimeUnit.MILLISECONDS)) {
                            resetConnection(socket);
                        }
                        return;
                    }
                    case HEADERS_THEN_RESET -> {
                        out.write(("HTTP/1.1 " + (status == 0 ? 200 : status) + " Answer\r\nContent-Type: text/event-stream\r\n"
                                + "Transfer-Encoding: chunked\r\nX-Upstream: " + name + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        // The headers are read before the reset, which would drop them from the gateway's socket.
                        if (!stopped.await(100, TimeUnit.MILLISECONDS)) {
                            resetConnection(socket);
                        }
                        return;
                    }
                    case RESET, REFUSE -> {
                        resetConnection(socket);
                        return;
                    }
                    case STALL -> {
                        stopped.await(30, TimeUnit.SECONDS);
                        socket.close();
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // The gateway went away.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(socket);
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** Closes a connection with a TCP reset (linger 0), as a crashed provider's does. */
    private static void resetConnection(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static byte[] chunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return (Integer.toHexString(bytes.length) + "\r\n" + data + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void write(OutputStream out, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /** @return the next request (head and Content-Length body), or {@code null} at the connection's end */
    private static Received read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        byte[] body = new byte[0];
        for (String line : text.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                body = in.readNBytes(Integer.parseInt(line.substring(15).strip()));
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                body = chunked(in);
            }
        }
        return new Received(text, body);
    }

    /** @return a chunked body's bytes (as a server that reads its request body at once, sending no 100 Continue) */
    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            StringBuilder size = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the body ended inside a chunk size");
                }
                size.append((char) b);
            }
            int semi = size.indexOf(";");
            int n = Integer.parseInt((semi < 0 ? size.toString() : size.substring(0, semi)).strip(), 16);
            if (n == 0) {
                in.readNBytes(2);
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            in.readNBytes(2);
        }
    }
}
