package dev.probeval.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The lifecycle of long-running commands, with fake shutdown hooks standing in for Ctrl-C. */
class ServiceLifecycleTest {
    private final List<Thread> added = new ArrayList<>();
    private final List<Thread> removed = new ArrayList<>();
    private final ServiceLifecycle lifecycle = new ServiceLifecycle(new ServiceLifecycle.ShutdownHooks() {
        @Override
        public synchronized void add(Thread hook) {
            added.add(hook);
        }

        @Override
        public synchronized void remove(Thread hook) {
            removed.add(hook);
        }
    });
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandSpec spec() {
        CommandLine cl = new CommandLine(CommandSpec.create().name("probeval fake"));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.getCommandSpec();
    }

    @Test
    void ctrlCShouldCloseTheServiceOnceAndExitZero() throws Exception {
        CompletableFuture<Void> terminated = new CompletableFuture<>();
        AtomicInteger closes = new AtomicInteger();
        RunningService service = new RunningService(
                "fake up",
                () -> {
                    closes.incrementAndGet();
                    terminated.complete(null);
                },
                terminated);
        ExecutorService main = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> code = main.submit(() -> lifecycle.run(spec(), "somewhere", () -> service));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sizeOfAdded() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread hook = firstAdded();
            hook.start(); // what the JVM does on SIGINT / SIGTERM
            hook.join();
            assertEquals(0, code.get(10, TimeUnit.SECONDS));
        } finally {
            main.shutdownNow();
        }
        assertEquals(1, closes.get());
        assertEquals("fake up", out.toString().strip());
        assertEquals("", err.toString());
    }

    @Test
    void aServiceThatDiesShouldBeClosedAndExitOneWithOneLine() {
        CompletableFuture<Void> terminated = new CompletableFuture<>();
        AtomicInteger closes = new AtomicInteger();
        terminated.completeExceptionally(new IllegalStateException("loop died:\n  broker gone"));
        int code =
                lifecycle.run(spec(), "somewhere", () -> new RunningService("up", closes::incrementAndGet, terminated));
        assertEquals(1, code);
        assertEquals(1, closes.get());
        assertEquals(
                "probeval fake: error: stopped: loop died: broker gone",
                err.toString().strip());
        assertEquals(added, removed, "the hook is removed: nothing left to close at JVM exit");
    }

    @Test
    void aFailedStartShouldBeACommandFailureNamingTheContext() {
        CommandFailure f = assertThrows(
                CommandFailure.class,
                () -> lifecycle.run(spec(), "on Kafka at k:1", () -> {
                    throw new IllegalStateException("timed out");
                }));
        assertEquals("cannot start on Kafka at k:1: timed out", f.getMessage());
        assertTrue(added.isEmpty(), "no hook for a service that never started");
    }

    @Test
    void closedOnRequestShouldEndOnlyWhenClosed() {
        AtomicInteger closes = new AtomicInteger();
        RunningService s = RunningService.closedOnRequest("up", closes::incrementAndGet);
        assertTrue(!s.terminated().isDone());
        s.close().run();
        assertEquals(1, closes.get());
        assertTrue(s.terminated().isDone() && !s.terminated().isCompletedExceptionally());
    }

    private synchronized int sizeOfAdded() {
        return added.size();
    }

    private synchronized Thread firstAdded() {
        return added.get(0);
    }
}
