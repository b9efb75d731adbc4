package dev.probeval.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling waits for tests: a condition checked until it holds or a timeout passes. */
public final class Await {
    private Await() {}

    /** Checks {@code condition} every 100 ms until it holds; after {@code timeout}, an AssertionError naming {@code what}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, Duration.ofMillis(100), condition);
    }

    /** Checks {@code condition} every {@code poll} until it holds; after {@code timeout}, an AssertionError naming it. */
    public static void await(String what, Duration timeout, Duration poll, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(poll.toMillis());
        }
    }
}
