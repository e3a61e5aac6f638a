package dev.lumen.worker;

import dev.lumen.contracts.ContractException;
import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TaskMessage;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.observability.JobSpans;
import dev.lumen.observability.KafkaTraceContext;
import dev.lumen.observability.LogContext;
import dev.lumen.observability.LumenMetrics;
import dev.lumen.observability.Telemetry;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.StorageException;
import dev.lumen.storage.minio.MinioObjectStore;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The dit-worker: a member of its pool's share group that runs one task at a time on a model it
 * loaded once, streams events, uploads images and acknowledges each task record explicitly.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li><b>consumer</b> ({@code lumen-worker-<id>-tasks}) owns the {@link KafkaShareConsumer}; no
 *       other thread touches it. It polls, decodes, dead-letters poison, hands a task to the engine
 *       thread and, while the task runs, wakes every {@code renewInterval} to acknowledge the record
 *       with {@code RENEW} (KIP-1222). After a renewal the broker hands the record back on a later
 *       poll, and only then may it be acknowledged again; so the thread polls briefly until it is
 *       back, then waits on the task again. When the task's outcome is ready it acknowledges
 *       ACCEPT, RELEASE or REJECT and commits synchronously.</li>
 *   <li><b>engine</b> ({@code lumen-worker-<id>-engine}, a single-thread executor) runs
 *       {@link TaskRunner}: generation, uploads, job events. It never acknowledges; the only
 *       state it shares with the consumer thread is the task's abort flag and its {@link Future}.</li>
 *   <li><b>control</b> ({@link ControlListener}) fills the {@link CancelRegistry} the engine thread
 *       reads between steps.</li>
 * </ul>
 * The producer ({@link Publisher}) is shared; KafkaProducer is thread-safe.
 *
 * <h2>Stopping</h2>
 * {@link #close()} stops polling for new tasks and lets the running one finish for
 * {@code gracePeriod} (renewing its lock meanwhile); past that the engine is told to stop at the
 * next step and the record is released for another worker. Then consumers, producer and model
 * are closed, in that order.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** Poll timeout while a renewed record is on its way back: short, the record returns within a round trip or two. */
    private static final Duration RENEW_POLL = Duration.ofMillis(100);
    /** Slice of waiting on a running task, so a stop request is noticed promptly. */
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Device losses in a row, with no task succeeding in between, that are reopened before giving up. */
    private static final int MAX_RECOVERIES_WITHOUT_SUCCESS = 2;
    /** How long an aborted engine run may take to reach its next step before the consumer gives up on it. */
    private static final Duration ABORT_WAIT = Duration.ofSeconds(10);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_LOCK = Duration.ofSeconds(30);

    private final WorkerConfig config;
    private final WorkerHooks hooks;
    private final Clock clock;
    private final LoadedModel model;
    private final Publisher publisher;
    private final ControlListener control;
    private final CancelRegistry cancels;
    private final TaskRunner runner;
    private final ExecutorService engine;
    private final Thread consumerThread;
    private final Telemetry telemetry;

    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile boolean halted;
    private volatile boolean broken;
    private volatile boolean polling;
    private volatile long loopAtNanos = System.nanoTime();
    private volatile long stopDeadlineNanos;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong deviceRecoveries = new AtomicLong();

    // Consumer thread only.
    private volatile InFlight current;
    private long backoffUntilNanos;
    /** The device being reopened on the engine thread after a loss; no task starts until it is done. */
    private Future<?> recovery;
    private int recoveriesWithoutSuccess;

    private Worker(WorkerConfig config, WorkerHooks hooks, Clock clock, LoadedModel model, ObjectStore store,
                   boolean bucketReady, Publisher publisher, CancelRegistry cancels, ControlListener control,
                   Telemetry telemetry) {
        this.config = config;
        this.telemetry = telemetry;
        this.hooks = hooks;
        this.clock = clock;
        this.model = model;
        this.publisher = publisher;
        this.control = control;
        this.cancels = cancels;
        this.runner = new TaskRunner(config, model, store, bucketReady, publisher, cancels, hooks, clock, telemetry);
        this.engine = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("lumen-worker-" + config.workerId() + "-engine").daemon().factory());
        this.consumerThread = Thread.ofPlatform().name("lumen-worker-" + config.workerId() + "-tasks")
                .unstarted(this::consume);
    }

    /**
     * Loads and warms up the model, connects to storage and Kafka, and starts consuming. Returns
     * once the model is warm and the control topic is being read; {@link #ready()} turns true after
     * the first poll of the task topic.
     *
     * @throws WorkerStartException if the model, backend or control topic is not usable
     */
    public static Worker start(WorkerConfig config) {
        return start(config, Telemetry.none());
    }

    /** As {@link #start(WorkerConfig)}, reporting metrics and spans through {@code telemetry}. */
    public static Worker start(WorkerConfig config, Telemetry telemetry) {
        return start(config, WorkerHooks.NONE, telemetry);
    }

    static Worker start(WorkerConfig config, WorkerHooks hooks) {
        return start(config, hooks, Telemetry.none());
    }

    static Worker start(WorkerConfig config, WorkerHooks hooks, Telemetry telemetry) {
        log.info("worker starting workerId={} pool={} config={}", config.workerId(), config.pool(), config);
        Timer.Sample loading = Timer.start(telemetry.meters());
        LoadedModel model;
        try {
            model = LoadedModel.load(config);
        } catch (RuntimeException e) {
            throw new WorkerStartException("cannot load model " + config.modelDir() + " on backend "
                    + config.backend() + ": " + e.getMessage(), e);
        }
        Publisher publisher = null;
        try {
            model.warmUp(config.warmupSize());
            loading.stop(LumenMetrics.modelLoad(telemetry.meters(), config.modelName()));
            model.reportLoaded(telemetry.meters());
            ObjectStore store = new TimedObjectStore(MinioObjectStore.create(config.storage()), telemetry.meters());
            boolean bucketReady = false;
            try {
                store.ensureBucket();
                bucketReady = true;
            } catch (StorageException e) {
                if (!e.retryable()) {
                    throw new WorkerStartException("storage refuses this worker: " + e.getMessage(), e);
                }
                // Storage down at start is no reason to stay down: uploads fail transiently and
                // their tasks are released until it is back; the bucket is ensured before the first upload.
                log.warn("storage unreachable at start, continuing error={}", e.getMessage());
            }
            publisher = new Publisher(config, telemetry.openTelemetry());
            CancelRegistry cancels = new CancelRegistry(Clock.systemUTC());
            ControlListener control = ControlListener.start(config, cancels);
            Worker worker = new Worker(config, hooks, Clock.systemUTC(), model, store, bucketReady, publisher, cancels, control,
                    telemetry);
            worker.consumerThread.start();
            return worker;
        } catch (RuntimeException e) {
            if (publisher != null) {
                publisher.close();
            }
            model.close();
            throw e instanceof WorkerStartException w ? w
                    : new WorkerStartException("worker " + config.workerId() + " failed to start: " + e.getMessage(), e);
        }
    }

    /**
     * Liveness: the consumer loop is turning and the device is usable. It does not depend on Kafka
     * or storage being reachable (a restart would not bring them back). A lost Vulkan device is
     * reopened in place (the task goes back to the queue meanwhile); only when that fails, or the
     * device is lost again before any task succeeded on the new one, is the worker no longer live,
     * so the orchestrator restarts the process.
     */
    public boolean live() {
        long staleNanos = config.renewInterval().toNanos() + TimeUnit.MINUTES.toNanos(2);
        return !broken && (closed.get() || (consumerThread.isAlive() && System.nanoTime() - loopAtNanos < staleNanos));
    }

    /** Readiness: warm model, polling its pool's topic, not stopping. */
    public boolean ready() {
        return polling && !stopping && !broken && consumerThread.isAlive();
    }

    public WorkerConfig config() {
        return config;
    }

    public WorkerStats stats() {
        return new WorkerStats(accepted.get(), released.get(), rejected.get(), renewals.get(), deviceRecoveries.get());
    }

    /**
     * Stops: no new tasks, the running one gets {@code gracePeriod} to finish (else it is released),
     * then everything is closed. Idempotent; blocks until done.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("worker stopping workerId={} gracePeriod={}", config.workerId(), config.gracePeriod());
        stopDeadlineNanos = System.nanoTime() + config.gracePeriod().toNanos();
        stopping = true;
        try {
            consumerThread.join(config.gracePeriod().plus(ABORT_WAIT).plus(COMMIT_TIMEOUT).plusSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.close();
        if (halted) {
            // A crash does not wait for the engine: interrupting it ends a run blocked anywhere.
            engine.shutdownNow();
        } else {
            engine.shutdown();
        }
        boolean engineStopped;
        try {
            engineStopped = engine.awaitTermination(ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            engineStopped = false;
        }
        publisher.close();
        if (engineStopped) {
            model.close();
        } else {
            // Unmapping weights under a running generation would crash the JVM; leaking them until exit is safe.
            log.warn("engine thread still busy; model left open workerId={}", config.workerId());
        }
        log.info("worker stopped workerId={} stats={}", config.workerId(), stats());
    }

    /**
     * Simulates a crash for tests: the consumer is closed at once without acknowledging the running
     * task (the broker releases it to another member), the engine run is abandoned and no event
     * about it is written.
     */
    void halt() {
        halted = true;
        InFlight running = current;
        if (running != null) {
            // A dead process writes nothing more: without this, the engine thread (interrupted, not
            // killed) could finish the run and publish a completion after another worker took over.
            running.abort.set(true);
        }
        close();
    }

    /** Whether a cancel for the job has reached this worker (tests wait on it before letting a run go on). */
    boolean cancelSeen(String jobId) {
        return cancels.isCancelled(jobId);
    }

    // ---------------------------------------------------------------- consumer thread

    private void consume() {
        KafkaShareConsumer<String, byte[]> consumer = null;
        try {
            consumer = new KafkaShareConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, config.topics().workerGroup(config.pool()),
                    ConsumerConfig.CLIENT_ID_CONFIG, "lumen-worker-" + config.workerId(),
                    // Explicit mode: each record gets its own verdict, and RENEW is only allowed here.
                    ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit",
                    // One task per worker, and no prefetch: a prefetched record's lock would tick
                    // while the GPU is busy with the previous task.
                    ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1),
                    new StringDeserializer(), new ByteArrayDeserializer());
            consumer.setAcknowledgementCommitCallback(this::onAcknowledgementsCommitted);
            consumer.subscribe(List.of(config.topics().tasks(config.pool())));
            while (!halted) {
                loopAtNanos = System.nanoTime();
                if (current != null) {
                    if (!tend(consumer)) {
                        break;
                    }
                    continue;
                }
                if (stopping || broken) {
                    break;
                }
                if (recovery != null) {
                    if (!recovery.isDone()) {
                        Thread.sleep(Math.min(50, config.pollTimeout().toMillis()));
                        continue;
                    }
                    recovery = null;
                }
                long backoff = backoffUntilNanos - System.nanoTime();
                if (backoff > 0) {
                    Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(backoff) + 1, config.pollTimeout().toMillis()));
                    continue;
                }
                ConsumerRecords<String, byte[]> records = consumer.poll(config.pollTimeout());
                polling = true;
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (current == null) {
                        begin(consumer, record);
                    } else {
                        releaseExtra(consumer, record);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("task consumer failed; worker no longer live workerId={}", config.workerId(), e);
            broken = true;
        } finally {
            if (current != null) {
                // Crash, stop past the abort wait, or a consumer failure: the engine run is abandoned
                // and closing the consumer releases the record to another member.
                current.abort.set(true);
                try (LogContext l = LogContext.job(current.firstJobId(), current.span)) {
                    log.warn("closing with a task in flight, the broker releases it taskId={} deliveryCount={}",
                            current.task.taskId(), current.deliveryCount);
                }
                current.end("abandoned");
                current = null;
            }
            if (consumer != null) {
                try {
                    consumer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    log.warn("share consumer close failed error={}", e.toString());
                }
            }
        }
    }

    /** A new record: decode and check it, then start it on the engine thread (or reject it at once). */
    private void begin(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record) {
        int deliveryCount = record.deliveryCount().map(Short::intValue).orElse(1);
        LumenMetrics.deliveries(telemetry.meters(), config.pool()).increment();
        if (deliveryCount > 1) {
            LumenMetrics.redeliveries(telemetry.meters(), config.pool(), "redelivered").increment();
        }
        try (LogContext l = LogContext.job(record.key())) {
            begin(consumer, record, deliveryCount);
        }
    }

    private void begin(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record, int deliveryCount) {
        hooks.onDelivery(record.key(), deliveryCount);
        TaskMessage task;
        try {
            task = Messages.decode(record.value() == null ? new byte[0] : record.value(), TaskMessage.class);
        } catch (ContractException e) {
            log.warn("undecodable task record key={} offset={} error={}", record.key(), record.offset(), e.getMessage());
            Parsed parsed = Parsed.lenient(record);
            acknowledge(consumer, record, reject(record, deliveryCount, parsed.taskId(), parsed.jobIds(),
                    "undecodable_task", e.getMessage(), false));
            return;
        }
        List<String> jobIds = task.jobs().stream().map(TaskMessage.TaskJob::jobId).toList();
        if (deliveryCount > config.deliveryLimit()) {
            log.warn("task past its delivery limit taskId={} deliveryCount={} limit={}", task.taskId(), deliveryCount,
                    config.deliveryLimit());
            acknowledge(consumer, record, reject(record, deliveryCount, task.taskId(), jobIds, "delivery_limit_exceeded",
                    "delivered " + deliveryCount + " times, limit " + config.deliveryLimit()
                            + " (the task crashed or stalled every worker that took it)", false));
            return;
        }
        if (!task.pool().equals(config.pool())) {
            acknowledge(consumer, record, reject(record, deliveryCount, task.taskId(), jobIds, "wrong_pool",
                    "task for pool '" + task.pool() + "' on the topic of pool '" + config.pool() + "'", false));
            return;
        }
        // The share consumer has no tracing hook: the scheduler's context comes from the record's headers by hand.
        Span span = JobSpans.kafka(telemetry.tracer(), "process", record.topic(),
                KafkaTraceContext.extract(telemetry.openTelemetry(), record.headers()), jobIds);
        span.setAttribute(JobSpans.TASK_ID, task.taskId());
        span.setAttribute(JobSpans.POOL, config.pool());
        span.setAttribute(JobSpans.DELIVERY_COUNT, (long) deliveryCount);
        Context taskContext = Context.root().with(span);
        AtomicBoolean abort = new AtomicBoolean();
        Future<TaskOutcome> future = engine.submit(() -> runner.run(task, abort::get, taskContext));
        current = new InFlight(record, task, deliveryCount, abort, future, span);
        try (LogContext l = LogContext.job(jobIds.getFirst(), span)) {
            log.info("task received taskId={} jobs={} deliveryCount={} lockMs={}", task.taskId(), jobIds, deliveryCount,
                    consumer.acquisitionLockTimeoutMs().orElse(null));
        }
    }

    /**
     * One turn with a task in flight. Returns false when the consumer should close now (a stop
     * whose aborted engine run does not end).
     */
    private boolean tend(KafkaShareConsumer<String, byte[]> consumer) throws InterruptedException {
        InFlight f = current;
        if (f.pending) {
            TaskOutcome outcome = awaitOutcome(f, config.renewInterval().toNanos());
            if (halted) {
                return false;
            }
            if (outcome != null) {
                current = null;
                finish(consumer, f, outcome);
                return true;
            }
            if (f.abort.get() && System.nanoTime() - stopDeadlineNanos > ABORT_WAIT.toNanos()) {
                log.warn("aborted task did not stop within {} taskId={}", ABORT_WAIT, f.task.taskId());
                return false;
            }
            consumer.acknowledge(f.record, AcknowledgeType.RENEW);
            f.pending = false;
            f.renewSentNanos = System.nanoTime();
            renewals.incrementAndGet();
            log.debug("lock renewal sent taskId={}", f.task.taskId());
        }
        ConsumerRecords<String, byte[]> records = consumer.poll(RENEW_POLL);
        for (ConsumerRecord<String, byte[]> record : records) {
            if (f.isSameRecord(record)) {
                if (record.deliveryCount().map(Short::intValue).orElse(1) > f.deliveryCount) {
                    // The lock lapsed before a renewal landed and the broker handed the record out
                    // again, to us; we still hold it now, so the run goes on.
                    log.warn("acquisition lock lapsed and the task came back taskId={} deliveryCount={}",
                            f.task.taskId(), record.deliveryCount().orElse((short) 0));
                    LumenMetrics.redeliveries(telemetry.meters(), config.pool(), "lock_expired").increment();
                }
                f.record = record;
                f.pending = true;
            } else {
                releaseExtra(consumer, record);
            }
        }
        long lock = consumer.acquisitionLockTimeoutMs().map(ms -> TimeUnit.MILLISECONDS.toNanos(ms))
                .orElse(DEFAULT_LOCK.toNanos());
        if (!f.pending && (f.lost || System.nanoTime() - f.renewSentNanos > lock)) {
            // The broker did not confirm the renewal: another member may already run this task.
            // Stop ours; whatever it uploaded is overwritten by the other run (same keys).
            log.warn("acquisition lock lost, abandoning task taskId={} deliveryCount={}", f.task.taskId(),
                    f.deliveryCount);
            f.abort.set(true);
            f.end("lock_lost");
            current = null;
        }
        return true;
    }

    /** Waits up to {@code nanos} for the task, in slices, starting the abort when the stop's grace period ends. */
    private TaskOutcome awaitOutcome(InFlight f, long nanos) throws InterruptedException {
        long until = System.nanoTime() + nanos;
        while (true) {
            if (halted) {
                return null;
            }
            if (stopping && !f.abort.get() && System.nanoTime() >= stopDeadlineNanos) {
                log.info("grace period over, releasing the running task taskId={}", f.task.taskId());
                f.abort.set(true);
            }
            long left = until - System.nanoTime();
            try {
                return f.future.get(Math.max(0, Math.min(left, WAIT_SLICE_NANOS)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (left <= WAIT_SLICE_NANOS) {
                    return null;
                }
            } catch (ExecutionException e) {
                // TaskRunner turns every exception into an outcome; this is an Error (OOM and the like).
                log.error("engine thread failed taskId={}", f.task.taskId(), e.getCause());
                return new TaskOutcome.Transient("internal_error", String.valueOf(e.getCause()), false);
            }
        }
    }

    /** Turns a task's outcome into its acknowledgement, writing failures and dead letters first. */
    private void finish(KafkaShareConsumer<String, byte[]> consumer, InFlight f, TaskOutcome outcome) {
        try (LogContext l = LogContext.job(f.firstJobId(), f.span)) {
            AcknowledgeType type = verdict(f, outcome);
            acknowledge(consumer, f.record, type);
            f.end(type.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private AcknowledgeType verdict(InFlight f, TaskOutcome outcome) {
        List<String> jobIds = f.task.jobs().stream().map(TaskMessage.TaskJob::jobId).toList();
        AcknowledgeType type = switch (outcome) {
            case TaskOutcome.Done done -> {
                log.info("task done taskId={} completed={} cancelled={} deliveryCount={}", f.task.taskId(),
                        done.completed(), done.cancelled(), f.deliveryCount);
                recoveriesWithoutSuccess = 0;
                yield AcknowledgeType.ACCEPT;
            }
            case TaskOutcome.Aborted aborted -> {
                log.info("task released unfinished taskId={} reason={}", f.task.taskId(), aborted.why());
                yield AcknowledgeType.RELEASE;
            }
            case TaskOutcome.Poison poison -> {
                log.warn("task rejected as poison taskId={} code={} reason={}", f.task.taskId(), poison.code(),
                        poison.message());
                yield reject(f.record, f.deliveryCount, f.task.taskId(), jobIds, poison.code(), poison.message(), false);
            }
            case TaskOutcome.Transient failure -> {
                if (failure.deviceLost()) {
                    reopenDevice();
                }
                if (f.deliveryCount >= config.deliveryLimit()) {
                    yield reject(f.record, f.deliveryCount, f.task.taskId(), jobIds, failure.code(),
                            "gave up after " + f.deliveryCount + " deliveries: " + failure.message(), true);
                }
                log.warn("task released after a transient failure taskId={} code={} deliveryCount={} reason={}",
                        f.task.taskId(), failure.code(), f.deliveryCount, failure.message());
                backoffUntilNanos = System.nanoTime() + config.retryBackoff().toNanos();
                yield AcknowledgeType.RELEASE;
            }
        };
        if (!(outcome instanceof TaskOutcome.Done)) {
            f.span.setStatus(StatusCode.ERROR, outcome.toString());
        }
        return type;
    }

    /**
     * Consumer thread, after a task lost the device: reopens it on the engine thread (the task is
     * released meanwhile, so another worker, or this one once recovered, runs it). A device lost again
     * before any task succeeded on the new one means the fault is not transient: the worker gives up
     * and turns not live.
     */
    private void reopenDevice() {
        if (++recoveriesWithoutSuccess > MAX_RECOVERIES_WITHOUT_SUCCESS) {
            log.error("device lost again right after being reopened; worker no longer live workerId={}",
                    config.workerId());
            broken = true;
            return;
        }
        polling = false;
        log.warn("device lost; reopening it workerId={} attempt={}", config.workerId(), recoveriesWithoutSuccess);
        recovery = engine.submit(() -> {
            try {
                model.reopen(config);
                deviceRecoveries.incrementAndGet();
            } catch (RuntimeException e) {
                log.error("device could not be reopened; worker no longer live workerId={}", config.workerId(), e);
                broken = true;
            }
        });
    }

    /**
     * Writes FAILED for each known job and the dead letter, and answers REJECT; if either cannot be
     * written the record is released instead, so the reason is not lost with it.
     */
    private AcknowledgeType reject(ConsumerRecord<String, byte[]> record, int deliveryCount, String taskId,
                                   List<String> jobIds, String code, String reason, boolean retryable) {
        try {
            for (String jobId : jobIds) {
                publisher.event(new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.FAILED, jobId, taskId,
                        config.workerId(), clock.instant(), null, null, null, null, new ErrorInfo(code, reason, retryable),
                        null));
            }
            publisher.deadLetter(new DeadLetter(record.topic(), record.key(), code + ": " + reason, deliveryCount,
                    record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8), clock.instant()));
            log.warn("task dead-lettered taskId={} jobs={} code={} retryable={} reason={}", taskId, jobIds, code,
                    retryable, reason);
            return AcknowledgeType.REJECT;
        } catch (PublishException e) {
            log.warn("cannot dead-letter, releasing instead taskId={} error={}", taskId, e.getMessage());
            backoffUntilNanos = System.nanoTime() + config.retryBackoff().toNanos();
            return AcknowledgeType.RELEASE;
        }
    }

    private void acknowledge(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record,
                             AcknowledgeType type) {
        consumer.acknowledge(record, type);
        switch (type) {
            case ACCEPT -> accepted.incrementAndGet();
            case RELEASE -> released.incrementAndGet();
            case REJECT -> rejected.incrementAndGet();
            default -> {
            }
        }
        // Commit now rather than with the next poll: a verdict should not wait for (or die with) the next turn.
        Map<TopicIdPartition, java.util.Optional<org.apache.kafka.common.KafkaException>> result =
                consumer.commitSync(COMMIT_TIMEOUT);
        result.forEach((partition, error) -> error.ifPresent(e -> log.warn(
                "acknowledgement not committed partition={} offset={} type={} error={}", partition, record.offset(), type,
                e.toString())));
    }

    /** A record delivered while busy (record_limit should prevent it): give it straight back. */
    private void releaseExtra(KafkaShareConsumer<String, byte[]> consumer, ConsumerRecord<String, byte[]> record) {
        log.warn("unexpected second task record while busy, releasing key={} offset={}", record.key(), record.offset());
        consumer.acknowledge(record, AcknowledgeType.RELEASE);
    }

    /** Consumer thread (inside poll/commitSync): a failed renewal of the running record means its lock is gone. */
    private void onAcknowledgementsCommitted(Map<TopicIdPartition, Set<Long>> offsets, Exception exception) {
        if (exception == null) {
            return;
        }
        // E.g. an ACCEPT that arrives after the lock lapsed: the record is another member's now,
        // and the jobs' events may be written twice (consumers are idempotent per job id).
        log.warn("acknowledgement refused by the broker offsets={} error={}", offsets, exception.toString());
        InFlight f = current;
        if (f == null) {
            return;
        }
        offsets.forEach((partition, set) -> {
            if (partition.topic().equals(f.record.topic()) && partition.partition() == f.record.partition()
                    && set.contains(f.record.offset())) {
                log.warn("acknowledgement of the running task failed taskId={} error={}", f.task.taskId(),
                        exception.toString());
                f.lost = true;
            }
        });
    }

    /** The task the consumer thread is tending. Fields other than {@code abort} are consumer-thread only. */
    private static final class InFlight {
        ConsumerRecord<String, byte[]> record;
        final TaskMessage task;
        final int deliveryCount;
        final AtomicBoolean abort;
        final Future<TaskOutcome> future;
        /** The CONSUMER span of this delivery, ended with its acknowledgement. */
        final Span span;
        /** The record was returned by the latest poll and awaits an acknowledgement (final or RENEW). */
        boolean pending = true;
        long renewSentNanos;
        boolean lost;

        InFlight(ConsumerRecord<String, byte[]> record, TaskMessage task, int deliveryCount, AtomicBoolean abort,
                 Future<TaskOutcome> future, Span span) {
            this.record = record;
            this.task = task;
            this.deliveryCount = deliveryCount;
            this.abort = abort;
            this.future = future;
            this.span = span;
        }

        String firstJobId() {
            return task.jobs().isEmpty() ? null : task.jobs().getFirst().jobId();
        }

        void end(String outcome) {
            span.setAttribute(JobSpans.OUTCOME, outcome);
            span.end();
        }

        boolean isSameRecord(ConsumerRecord<String, byte[]> other) {
            return other.topic().equals(record.topic()) && other.partition() == record.partition()
                    && other.offset() == record.offset();
        }
    }

    /** What can be read from a record that does not decode: the task id and job ids, where present. */
    private record Parsed(String taskId, List<String> jobIds) {
        static Parsed lenient(ConsumerRecord<String, byte[]> record) {
            String taskId = record.key() == null ? "unknown" : record.key();
            List<String> jobIds = new ArrayList<>();
            try {
                JsonNode tree = Messages.json().readTree(record.value());
                if (tree != null && tree.isObject()) {
                    JsonNode id = tree.get("taskId");
                    if (id != null && id.isString()) {
                        taskId = id.asString();
                    }
                    JsonNode jobs = tree.get("jobs");
                    if (jobs != null && jobs.isArray()) {
                        for (JsonNode job : jobs) {
                            JsonNode jobId = job.get("jobId");
                            if (jobId != null && jobId.isString() && !jobId.asString().isBlank()) {
                                jobIds.add(jobId.asString());
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                // Not even JSON: no job can be named, the dead letter alone carries the payload.
            }
            return new Parsed(taskId, List.copyOf(jobIds));
        }
    }
}
