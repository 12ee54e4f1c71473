package dev.switchboard.store.postgresql;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy between gateway nodes and the database that can stall the network: {@link #stall()} stops passing
 * bytes either way while every connection stays open (a partition, a switch that drops packets: neither side hears
 * a close), {@link #resume()} passes them again. On 127.0.0.1, port 0.
 */
final class StallingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** Local ports (as the database sees them: {@code pg_stat_activity.client_port}) of connections stalled alone. */
    private final java.util.Set<Integer> stalledPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    /** Guarded by {@link #gate}. */
    private boolean stalled;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    StallingProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "stalling-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** @return how many connections it accepted so far */
    int accepted() {
        return accepted.get();
    }

    /** Stops passing bytes; connections stay open, new ones are accepted and stall too. */
    void stall() {
        synchronized (gate) {
            stalled = true;
        }
    }

    /** Stalls one connection only: the one the database sees coming from {@code clientPort}. */
    void stall(int clientPort) {
        stalledPorts.add(clientPort);
    }

    /** Passes bytes again, what was held back first. */
    void resume() {
        synchronized (gate) {
            stalled = false;
            stalledPorts.clear();
            gate.notifyAll();
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, upstream.getLocalPort());
                pump(upstream, client, upstream.getLocalPort());
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, int port) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (gate) {
                        while ((stalled || stalledPorts.contains(port)) && !closed) {
                            gate.wait();
                        }
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // One side closed: close the other.
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // Closing.
                }
            }
        }, "stalling-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        resume();
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (SocketException e) {
                // Closing.
            }
        }
    }
}
