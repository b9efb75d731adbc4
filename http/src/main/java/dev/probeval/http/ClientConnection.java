package dev.probeval.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;

/**
 * Tells whether the client of a request still being answered has closed its connection. Jetty reads an HTTP/1.1
 * connection only while a request's body is due or between requests, so a client that leaves while a handler
 * works (or waits asynchronously) goes unnoticed until the response is written, and no listener fires. This reads the
 * connection itself: a non-blocking read of at most one byte, which returns end-of-stream (or fails) once the client
 * has closed it.
 *
 * <p>Probe only while the response is not yet committed, and call {@link #release()} before committing it: after
 * the response Jetty reads the connection again for the next request, and the two readers must not overlap. A probe
 * that reads a byte (a client that sent its next request early) stops probing; {@link #readAhead()} then tells the
 * handler to close the connection after its response, since that byte is gone from the next request.
 */
public final class ClientConnection {
    private static final ClientConnection UNPROBED = new ClientConnection(null);

    private final EndPoint endPoint;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private boolean released;
    private boolean readAhead;
    private boolean closed;

    private ClientConnection(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /**
     * The connection of {@code ctx}'s request. Only plain HTTP/1.x connections are probed (where reading the socket is
     * reading the client); any other never reports a close.
     */
    public static ClientConnection of(Context ctx) {
        try {
            ConnectionMetaData meta =
                    ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData();
            HttpVersion v = meta.getHttpVersion();
            if (meta.isSecure() || (v != HttpVersion.HTTP_1_1 && v != HttpVersion.HTTP_1_0)) {
                return UNPROBED;
            }
            return new ClientConnection(meta.getConnection().getEndPoint());
        } catch (IllegalStateException e) {
            return UNPROBED;
        }
    }

    /** Whether the client has closed the connection; probes it unless released. */
    public synchronized boolean closed() {
        if (closed || released || endPoint == null) {
            return closed;
        }
        // Jetty's buffers are kept in "flush" mode: empty means position 0, limit 0.
        probe.clear().limit(0);
        try {
            int n = endPoint.fill(probe);
            if (n < 0) {
                closed = true;
            } else if (n > 0) {
                readAhead = true;
                released = true;
            }
        } catch (IOException e) {
            closed = true;
        }
        return closed;
    }

    /** Stops probing: call before the response is committed. */
    public synchronized void release() {
        released = true;
    }

    /** Whether a probe consumed a byte of the client's next request (close the connection after the response). */
    public synchronized boolean readAhead() {
        return readAhead;
    }
}
