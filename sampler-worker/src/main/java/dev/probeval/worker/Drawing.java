package dev.probeval.worker;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Runs each chunk's draw and scoring on a thread of its own while the worker thread waits for it, so a stop does not
 * depend on the backend or the scorer returning: once {@code abandon} says so (the shutdown's grace for the chunk ran
 * out) the worker thread leaves the draw behind, interrupted, and shuts down. The drawing thread is a daemon, so one
 * that never returns cannot keep the process alive. One draw at a time.
 */
final class Drawing implements AutoCloseable {
    /** The draw was left unfinished because the worker is stopping; nothing of it may be committed. */
    static final class Abandoned extends Exception {
        private static final long serialVersionUID = 1L;

        Abandoned() {
            super("draw abandoned at shutdown");
        }
    }

    /** How often the waiting worker thread looks at the stop condition. */
    private static final long CHECK_MS = 50;

    private final ExecutorService executor;
    private volatile Future<?> abandoned;

    Drawing(String workerId) {
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "probeval-worker-" + workerId + "-draw");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code task} on the drawing thread and returns its result, rethrowing what it threw (checked exceptions of
     * type {@code X}, unchecked ones and errors as they are).
     *
     * @throws Abandoned if {@code abandon} turned true, or this thread was interrupted, before the task ended
     */
    <T, X extends Exception> T run(Callable<T> task, Class<X> checked, BooleanSupplier abandon) throws X, Abandoned {
        Future<T> f = executor.submit(task);
        while (true) {
            try {
                return f.get(CHECK_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (abandon.getAsBoolean()) {
                    leave(f);
                    throw new Abandoned();
                }
            } catch (InterruptedException e) {
                leave(f);
                Thread.currentThread().interrupt();
                throw new Abandoned();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (checked.isInstance(c)) {
                    throw checked.cast(c);
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("draw failed: " + c, c);
            }
        }
    }

    private void leave(Future<?> f) {
        f.cancel(true);
        abandoned = f;
    }

    /**
     * Whether a draw was abandoned and may still be running (in the backend, which must then not be closed under it).
     */
    boolean abandonedDrawRunning() {
        Future<?> f = abandoned;
        if (f == null) {
            return false;
        }
        executor.shutdown();
        try {
            return !executor.awaitTermination(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
