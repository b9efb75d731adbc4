package dev.probeval.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.probeval.openai.ErrorResponse;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One streamed response as server-sent events: each event one {@code data: <json>} line, flushed as it is written,
 * and {@code data: [DONE]} last. The first event commits the response (200, {@code text/event-stream}) after the
 * events the stream opens with; until then the call's client is still watched.
 */
final class SseWriter {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final Context ctx;
    private final Flight flight;
    private final ObjectMapper mapper;
    private final List<Object> opening;
    private OutputStream os;

    SseWriter(Context ctx, Flight flight, ObjectMapper mapper, List<Object> opening) {
        this.ctx = ctx;
        this.flight = flight;
        this.mapper = mapper;
        this.opening = opening;
    }

    private OutputStream open() throws IOException {
        if (os != null) {
            return os;
        }
        flight.commit(ctx);
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        // The servlet's own stream: Javalin's ctx.outputStream() wrapper does not pass flush() on, so events would wait
        // in Jetty's buffer (32 KB) instead of leaving as they are decoded.
        os = ctx.res().getOutputStream();
        for (Object event : opening) {
            write(event);
        }
        return os;
    }

    /** Sends one event (committing the response first if this is the first). */
    void send(Object event) throws IOException {
        open();
        write(event);
    }

    /** Ends the stream with {@code error} as its last event: the status line has gone, so this is how it fails. */
    void fail(ErrorResponse error) throws IOException {
        open();
        os.write(frame(error));
        done();
    }

    /** Ends the stream. */
    void done() throws IOException {
        open().write(DONE);
        os.flush();
    }

    private void write(Object event) throws IOException {
        os.write(frame(event));
        os.flush();
    }

    private byte[] frame(Object event) throws IOException {
        return ("data: " + mapper.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
