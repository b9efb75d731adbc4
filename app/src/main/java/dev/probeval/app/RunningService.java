package dev.probeval.app;

import java.util.concurrent.CompletableFuture;

/**
 * A started long-running service as {@link ServiceLifecycle} sees it: the line to print once it is up, how to stop
 * it, and a future that completes normally once it was stopped and exceptionally when it died on its own.
 *
 * @param readyLine printed on stdout once the service is up (address, data location, "Ctrl-C to stop")
 * @param close stops the service; the lifecycle calls it at most once
 * @param terminated how the service ended
 */
record RunningService(String readyLine, Runnable close, CompletableFuture<Void> terminated) {

    /** A service that only ends when closed (the embedded broker, the registry): done once close() returned. */
    static RunningService closedOnRequest(String readyLine, AutoCloseable service) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        return new RunningService(
                readyLine,
                () -> {
                    try {
                        service.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("error while closing: " + e.getMessage(), e);
                    } finally {
                        done.complete(null);
                    }
                },
                done);
    }
}
