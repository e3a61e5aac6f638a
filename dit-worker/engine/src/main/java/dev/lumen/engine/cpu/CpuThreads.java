package dev.lumen.engine.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The CPU backend's one shared pool of worker threads, and a blocking {@link #parallelFor}.
 *
 * <p>The pool has {@link #count()} daemon threads: {@code availableProcessors()} unless the system
 * property {@code lumen.cpu.threads} says otherwise. One {@code parallelFor} keeps at most
 * {@code count()} threads busy, the calling thread included, because the kernels are compute-bound:
 * more runnable threads than cores would only make the last task of every call a straggler.
 *
 * <p>Tasks are claimed from a shared counter rather than assigned up front, so a core slowed by
 * another process simply does fewer of them. The caller works too and waits only for tasks
 * already claimed, never for a helper to be scheduled; that makes {@code parallelFor} safe to call
 * from any thread, concurrently from several, and from inside another {@code parallelFor} body (the
 * nested call then mostly runs on the thread that made it).
 */
public final class CpuThreads {

    /** System property overriding the number of threads (a positive integer). */
    public static final String THREADS_PROPERTY = "lumen.cpu.threads";

    private static final int COUNT = configuredCount();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(COUNT, daemonFactory());

    private CpuThreads() {
    }

    /** How many threads the CPU backend uses for one operation. */
    public static int count() {
        return COUNT;
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, spread over the pool and
     * the calling thread, and returns when all have finished. The order of tasks is unspecified. If a
     * task throws, the remaining unclaimed tasks are skipped and the first failure is rethrown here
     * (unchecked exceptions and errors as they are).
     */
    public static void parallelFor(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        int helpers = Math.min(tasks, COUNT) - 1;
        if (helpers == 0) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Job job = new Job(tasks, body);
        for (int h = 0; h < helpers; h++) {
            POOL.execute(job::work);
        }
        job.work();
        job.await();
    }

    /** One parallelFor call: a task counter shared by every thread that works on it. */
    private static final class Job {
        private final int tasks;
        private final IntConsumer body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch finished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer body) {
            this.tasks = tasks;
            this.body = body;
            this.finished = new CountDownLatch(tasks);
        }

        void work() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.countDown();
                }
            }
        }

        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    finished.await();
                    break;
                } catch (InterruptedException e) {
                    // Tasks already claimed by helpers still write into the caller's arrays, so the
                    // caller must not return before they are done; keep the interrupt for later.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = failure.get();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException("parallel task failed", t);
            }
        }
    }

    private static int configuredCount() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value != null && !value.isBlank()) {
            try {
                int n = Integer.parseInt(value.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(THREADS_PROPERTY + " must be a positive integer, got '" + value + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    private static java.util.concurrent.ThreadFactory daemonFactory() {
        AtomicInteger serial = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "lumen-cpu-" + serial.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
