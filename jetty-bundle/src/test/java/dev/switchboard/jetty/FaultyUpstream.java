package dev.switchboard.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A provider stand-in over a plain {@link ServerSocket} on port 0 that misbehaves on purpose: each
 * connection reads one request, then plays the next {@link Script} given to {@link #next}: writes
 * exact bytes, then ends with a FIN, an RST, or holds the connection open and silent until
 * {@link #stop}. Nothing of HTTP is interpreted on the way out, so a test chooses the very byte at
 * which the response breaks.
 */
final class FaultyUpstream {

    /** How a scripted response ends. */
    enum End {
        /** Close normally (FIN) after the bytes: a complete response only if the bytes were one. */
        FIN,
        /** Reset the connection (RST: SO_LINGER 0) after the bytes. */
        RST,
        /** Keep the connection open and say nothing more until the upstream stops. */
        STALL
    }

    /**
     * What one connection answers.
     *
     * @param parts byte blocks written (and flushed) one after the other
     * @param gapMillis a pause before every block but the first (a drip)
     * @param end what happens after the last one
     */
    record Script(List<byte[]> parts, long gapMillis, End end) {

        /** @return a script writing these texts (ISO-8859-1 bytes, so any byte can be written) then ending so */
        static Script of(End end, String... parts) {
            return dripped(0, end, parts);
        }

        /** @return like {@link #of}, with {@code gapMillis} between the blocks */
        static Script dripped(long gapMillis, End end, String... parts) {
            List<byte[]> bytes = new ArrayList<>();
            for (String p : parts) {
                bytes.add(p.getBytes(StandardCharsets.ISO_8859_1));
            }
            return new Script(bytes, gapMillis, end);
        }
    }

    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-upstream");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Script> scripts = new LinkedBlockingQueue<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The head of every request received (request line and headers), in order. */
    final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

    FaultyUpstream() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.execute(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Forgets requests received and scripts not played yet. */
    void clear() {
        requests.clear();
        scripts.clear();
    }

    /** The next connection plays {@code script}. */
    void next(Script script) {
        scripts.add(script);
    }

    /** @return the head of the next request the upstream received, waiting up to 10 s */
    String take() throws InterruptedException {
        String head = requests.poll(10, TimeUnit.SECONDS);
        if (head == null) {
            throw new AssertionError("the upstream received nothing within 10 s");
        }
        return head;
    }

    void stop() throws IOException {
        stopped.countDown();
        server.close();
        for (Socket s : open) {
            s.close();
        }
        connections.shutdownNow();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                connections.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try {
            requests.add(readRequest(socket.getInputStream()));
            Script script = scripts.poll(10, TimeUnit.SECONDS);
            if (script == null) {
                throw new IllegalStateException("no script for this connection");
            }
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < script.parts().size(); i++) {
                if (i > 0 && script.gapMillis() > 0 && stopped.await(script.gapMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                out.write(script.parts().get(i));
                out.flush();
            }
            switch (script.end()) {
                case FIN -> socket.close();
                case RST -> {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
                case STALL -> stopped.await();
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(socket);
        } finally {
            open.remove(socket);
        }
    }

    /** Reads the head and a Content-Length body; returns the head. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request ended inside its head");
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring(15).strip()));
            }
        }
        return text;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
