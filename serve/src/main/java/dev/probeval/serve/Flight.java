package dev.probeval.serve;

import dev.probeval.http.ClientConnection;
import io.javalin.http.Context;
import java.util.concurrent.Future;

/**
 * An admitted call as the watcher sees it: its client's connection, and the decoding to withdraw when the client has
 * gone.
 */
final class Flight {
    private final ClientConnection client;
    private volatile boolean cancelled;
    private volatile Future<?> decoding;

    Flight(ClientConnection client) {
        this.client = client;
    }

    /** Whether the client has closed its connection (a probe; see {@link ClientConnection}). */
    boolean clientGone() {
        return client.closed();
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Withdraws the call: its decoding, now or once attached, is cancelled. */
    void cancel() {
        cancelled = true;
        Future<?> d = decoding;
        if (d != null) {
            d.cancel(false);
        }
    }

    /** The call's decoding, cancelled at once if the client has already gone. */
    void attach(Future<?> d) {
        decoding = d;
        if (cancelled) {
            d.cancel(false);
        }
    }

    /**
     * Stops watching the connection, as the response is about to be committed; a client that already sent its next
     * request (its first byte was read by a probe) gets {@code Connection: close}.
     */
    void commit(Context ctx) {
        client.release();
        if (client.readAhead()) {
            ctx.header("Connection", "close");
        }
    }
}
