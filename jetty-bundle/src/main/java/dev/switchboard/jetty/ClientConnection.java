package dev.switchboard.jetty;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Reads the connection of a request in progress in Jetty 12, which does not read it itself while the request is
 * being answered: whether the client is gone (HTTP/1.1 tells a close only when the connection is read), without
 * waiting. In the bundled jar Jetty's server classes are the gateway's own and are called directly; a webapp in a
 * stock Jetty cannot name them (the webapp's class loader hides them, and the WAR's own copies of Jetty's client-side
 * jars are other classes), so there they are reached by reflection on the request's own objects, through Jetty's
 * public interfaces as the server's class loader has them.
 */
final class ClientConnection {

    /** The methods of Jetty's public interfaces, as the server's class loader has them (one per server). */
    private record Reflected(ClassLoader server, Method getRequest, Method metaData, Method connection, Method endPoint,
                             Method isOpen, Method isInputShutdown, Method fill, Method messagesIn) {
    }

    private final boolean direct;
    private volatile Reflected reflected;

    /** @param direct whether Jetty's server classes are this class's own (the bundled jar) */
    ClientConnection(boolean direct) {
        this.direct = direct;
    }

    /**
     * Reads up to one byte of the client's connection, without waiting. End of stream (or a closed connection) means
     * the client is gone. A byte means the client sent more before its answer (HTTP pipelining): it cannot be put
     * back, and the caller closes the connection after this response.
     *
     * @param request the client's request (the container's, or a wrapper of it)
     * @return -1 when the client is gone, 1 when a byte was read, 0 when nothing came or this cannot tell
     * @throws ReflectiveOperationException when the container is not a Jetty 12 this can read (the caller stops asking)
     */
    int read(HttpServletRequest request) throws ReflectiveOperationException {
        try {
            return direct ? readDirect(request) : readReflected(request);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * @param request the client's request (the container's, or a wrapper of it)
     * @return whether it is the first request of its connection (a connection accepted late, from the listen queue, may
     *     hold a request its client gave up on while it waited); {@code false} when this cannot tell
     * @throws ReflectiveOperationException when the container is not a Jetty 12 this can read (the caller stops asking)
     */
    boolean first(HttpServletRequest request) throws ReflectiveOperationException {
        if (direct) {
            org.eclipse.jetty.ee10.servlet.ServletContextRequest r =
                    org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(request);
            return r != null && r.getConnectionMetaData().getConnection().getMessagesIn() == 1;
        }
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        Reflected m = reflected(r);
        try {
            return (Long) call(m.messagesIn(), call(m.connection(), call(m.metaData(), call(m.getRequest(), r)))) == 1;
        } catch (IOException e) {
            return false;
        }
    }

    private static int readDirect(HttpServletRequest request) throws IOException {
        org.eclipse.jetty.ee10.servlet.ServletContextRequest r =
                org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(request);
        if (r == null) {
            return 0;
        }
        org.eclipse.jetty.io.EndPoint endPoint = r.getConnectionMetaData().getConnection().getEndPoint();
        if (!endPoint.isOpen() || endPoint.isInputShutdown()) {
            return -1;
        }
        if (!http1(request)) {
            return 0;
        }
        return Integer.signum(endPoint.fill(emptyBuffer()));
    }

    private int readReflected(HttpServletRequest request) throws ReflectiveOperationException, IOException {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        Reflected m = reflected(r);
        Object endPoint = call(m.endPoint(), call(m.connection(), call(m.metaData(), call(m.getRequest(), r))));
        if (!(Boolean) call(m.isOpen(), endPoint) || (Boolean) call(m.isInputShutdown(), endPoint)) {
            return -1;
        }
        if (!http1(request)) {
            return 0;
        }
        return Integer.signum((Integer) call(m.fill(), endPoint, emptyBuffer()));
    }

    /**
     * Calls a Jetty method as the direct path would: what it throws comes out as itself (an {@link IOException}: the
     * client is gone; an unchecked one: cannot tell), never as a reflection failure, which turns the watch off.
     */
    private static Object call(Method method, Object target, Object... args) throws IOException, IllegalAccessException {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** @param r the container's request: Jetty 12 ee10's {@code ServletApiRequest}, whose core request holds the rest */
    private Reflected reflected(ServletRequest r) throws ReflectiveOperationException {
        ClassLoader server = r.getClass().getClassLoader();
        Reflected m = reflected;
        if (m != null && m.server() == server) {
            return m;
        }
        Class<?> api = Class.forName("org.eclipse.jetty.ee10.servlet.ServletApiRequest", false, server);
        if (!api.isInstance(r)) {
            throw new ClassNotFoundException("not a Jetty 12 ee10 request: " + r.getClass().getName());
        }
        Class<?> core = Class.forName("org.eclipse.jetty.server.Request", false, server);
        Class<?> metaData = Class.forName("org.eclipse.jetty.server.ConnectionMetaData", false, server);
        Class<?> connection = Class.forName("org.eclipse.jetty.io.Connection", false, server);
        Class<?> endPoint = Class.forName("org.eclipse.jetty.io.EndPoint", false, server);
        m = new Reflected(server, api.getMethod("getRequest"), core.getMethod("getConnectionMetaData"),
                metaData.getMethod("getConnection"), connection.getMethod("getEndPoint"), endPoint.getMethod("isOpen"),
                endPoint.getMethod("isInputShutdown"), endPoint.getMethod("fill", ByteBuffer.class),
                connection.getMethod("getMessagesIn"));
        reflected = m;
        return m;
    }

    /** @return room for one byte, empty as Jetty's {@code fill} takes it (flush mode: it appends after the limit) */
    private static ByteBuffer emptyBuffer() {
        return ByteBuffer.allocate(1).limit(0);
    }

    private static boolean http1(HttpServletRequest request) {
        return "HTTP/1.1".equals(request.getProtocol()) || "HTTP/1.0".equals(request.getProtocol());
    }
}
