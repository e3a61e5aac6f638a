package dev.lumen.scheduler;

import dev.lumen.contracts.ContractException;
import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.observability.JobSpans;
import dev.lumen.observability.KafkaTraceContext;
import dev.lumen.observability.LogContext;
import dev.lumen.observability.Telemetry;
import dev.lumen.scheduler.SchedulerCore.Output;
import dev.lumen.scheduler.jobs.Job;
import dev.lumen.scheduler.kafka.CompactedTopicReader;
import dev.lumen.scheduler.kafka.JobStateRecords;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler service: the single writer of job state. One thread owns a Kafka consumer of
 * {@code lumen.jobs}, {@code lumen.events} and {@code lumen.control} and a producer; each turn it
 * polls, applies the records to {@link SchedulerCore}, runs timers and dispatch, publishes the
 * resulting tasks, states and dead letters, waits for the broker's acknowledgements, and only then
 * commits the consumed offsets. A crash between publishing and committing replays the records,
 * which the state machine ignores (at least once, idempotent).
 *
 * <p><b>Partitioning.</b> Instances share one consumer group and split the partitions of
 * {@code lumen.jobs}; an instance owns exactly the jobs whose key (the job id) hashes to its
 * partitions. Every Lumen topic has the same partition count and every message is keyed by job id,
 * so a job's events, cancels and state records sit on the same partition number; the range
 * assignor (classic group protocol) hands equal partition numbers of all three input topics to the
 * same instance. On assignment an instance rebuilds its jobs from those partitions of the
 * compacted {@code lumen.job-state}; on revocation it forgets them.
 *
 * <p><b>Dispatch.</b> A job becomes running when its task is published, not when a worker picks it
 * up: the number of tasks in flight per pool is capped near the pool's worker count, so the
 * backlog stays in the scheduler's fair queues and a dispatched task starts promptly. Tasks are
 * acknowledged by the broker before the states that name them are sent, so no running state ever
 * points at a task that was never written; the opposite crash (task written, state not) re-dispatches
 * the job and the first task's reports are ignored as stale.
 *
 * <p><b>Tracing.</b> A submission's trace context arrives in the record's headers (W3C
 * {@code traceparent}); consuming it is a CONSUMER span of the job's trace, whose context is
 * kept with the job (in memory and as a header of its state records) and becomes the parent of
 * the PRODUCER span that sends its task, whose context travels on in the task record's headers.
 *
 * <p><b>Retention.</b> A finished job is kept for {@link SchedulerConfig#jobRetention()} after its
 * last update, then a tombstone for its key goes to {@code lumen.job-state} (compaction deletes the
 * record, restarts no longer read it, gateways drop the job) and the job is forgotten. Submissions
 * older than the retention are ignored, so a re-read {@code lumen.jobs} cannot bring one back.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final SchedulerConfig config;
    private final SchedulerCore core;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final Telemetry telemetry;
    private final SchedulerMetrics metrics;
    /** Job id → traceparent of the span that consumed its submission; loop thread only. */
    private final Map<String, String> traceparents = new HashMap<>();
    private final CountDownLatch firstAssignment = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;
    private int jobPartitions;

    private Scheduler(SchedulerConfig config, Clock clock, Telemetry telemetry) {
        this.config = config;
        this.clock = clock;
        this.telemetry = telemetry;
        this.core = new SchedulerCore(config, clock);
        this.metrics = new SchedulerMetrics(telemetry.meters());
        core.observer(metrics);
        this.consumer = new KafkaConsumer<>(consumerProps(config), new StringDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(producerProps(config), new StringSerializer(), new ByteArraySerializer());
        this.thread = Thread.ofPlatform().name("lumen-scheduler").unstarted(this::run);
    }

    /** Starts a scheduler on its own thread; {@link #close()} stops it. */
    public static Scheduler start(SchedulerConfig config) {
        return start(config, Clock.systemUTC());
    }

    /** As {@link #start(SchedulerConfig)}, with the clock its timers read. */
    public static Scheduler start(SchedulerConfig config, Clock clock) {
        return start(config, clock, Telemetry.none());
    }

    /** As {@link #start(SchedulerConfig, Clock)}, reporting metrics and spans through {@code telemetry}. */
    public static Scheduler start(SchedulerConfig config, Clock clock, Telemetry telemetry) {
        Scheduler scheduler = new Scheduler(config, clock, telemetry);
        scheduler.thread.start();
        return scheduler;
    }

    /** Waits until this instance has been given its partitions and rebuilt their jobs. */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return firstAssignment.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the loop is running; false after {@link #close()} or a fatal error. */
    public boolean running() {
        return thread.isAlive();
    }

    /** The error that stopped the loop, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Stops gracefully: the current turn finishes (its outputs published and its offsets committed),
     * then the consumer leaves the group so its partitions move at once, and the producer flushes.
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("scheduler loop did not stop within {}", CLOSE_TIMEOUT);
        }
    }

    private void run() {
        try {
            consumer.subscribe(List.of(config.topics().jobs(), config.topics().events(), config.topics().control()),
                    new Rebalance());
            while (running) {
                ConsumerRecords<String, byte[]> records = poll();
                List<Output> outputs = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    outputs.addAll(handle(record));
                }
                outputs.addAll(core.tick());
                publish(outputs);
                if (!records.isEmpty()) {
                    commit();
                }
                metrics.refresh(core.activeCounts(), core.knownJobs());
            }
        } catch (RuntimeException e) {
            failure = e;
            log.error("scheduler loop stopped; uncommitted records will be replayed by the next owner", e);
        } finally {
            closeClients();
        }
    }

    private List<Output> handle(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return List.of();
        }
        // Keys are job ids on every input topic.
        if (record.topic().equals(config.topics().jobs())) {
            Span span = JobSpans.kafka(telemetry.tracer(), "process", record.topic(),
                    KafkaTraceContext.extract(telemetry.openTelemetry(), record.headers()),
                    record.key() == null ? List.of() : List.of(record.key()));
            try (LogContext l = LogContext.job(record.key(), span)) {
                List<Output> outputs = handleRecord(record);
                if (record.key() != null && !traceparents.containsKey(record.key())) {
                    traceparents.put(record.key(), KafkaTraceContext.traceparent(telemetry.openTelemetry(),
                            Context.root().with(span)));
                }
                return outputs;
            } finally {
                span.end();
            }
        }
        try (LogContext l = LogContext.job(record.key())) {
            return handleRecord(record);
        }
    }

    private List<Output> handleRecord(ConsumerRecord<String, byte[]> record) {
        String topic = record.topic();
        try {
            if (topic.equals(config.topics().jobs())) {
                JobSubmitted submitted = Messages.decode(record.value(), JobSubmitted.class);
                require(submitted.jobId() != null && submitted.tenant() != null && submitted.spec() != null
                        && submitted.spec().model() != null, "job submission lacks jobId, tenant, spec or model");
                return core.submitted(submitted);
            }
            if (topic.equals(config.topics().events())) {
                WorkerEvent event = Messages.decode(record.value(), WorkerEvent.class);
                require(event.jobId() != null && event.type() != null, "worker event lacks jobId or type");
                return core.workerEvent(event);
            }
            ControlMessage control = Messages.decode(record.value(), ControlMessage.class);
            require(control.jobId() != null && control.type() != null, "control message lacks jobId or type");
            return core.control(control);
        } catch (ContractException e) {
            return core.poison(topic, record.key(), e.getMessage(), new String(record.value(), StandardCharsets.UTF_8));
        }
    }

    /**
     * A commit that fails because the group moved on, or because the broker is briefly away, is
     * not fatal: the outputs are already published, and whoever reads these records again finds
     * their effects in place and ignores them.
     */
    private void commit() {
        try {
            try {
                consumer.commitSync();
            } catch (WakeupException e) {
                // close() woke the consumer while committing; the wake-up is spent, so commit once more.
                consumer.commitSync();
            }
        } catch (CommitFailedException | RebalanceInProgressException | TimeoutException e) {
            log.warn("offsets not committed; the records will be replayed and ignored as duplicates: {}", e.toString());
        }
    }

    /** close() wakes a waiting poll so shutdown does not wait out the poll timeout. */
    private ConsumerRecords<String, byte[]> poll() {
        try {
            return consumer.poll(config.pollTimeout());
        } catch (WakeupException e) {
            return ConsumerRecords.empty();
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new ContractException(message);
        }
    }

    private void publish(List<Output> outputs) {
        if (outputs.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> tasks = new ArrayList<>();
        List<Span> sends = new ArrayList<>();
        for (Output output : outputs) {
            if (output instanceof Output.Task(String pool, var task)) {
                String topic = config.topics().tasks(pool);
                List<String> jobIds = task.jobs().stream().map(j -> j.jobId()).toList();
                Span span = JobSpans.kafka(telemetry.tracer(), "send", topic,
                        KafkaTraceContext.fromTraceparent(telemetry.openTelemetry(), traceparents.get(jobIds.getFirst())),
                        jobIds);
                span.setAttribute(JobSpans.TASK_ID, task.taskId());
                span.setAttribute(JobSpans.POOL, pool);
                sends.add(span);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, jobIds.getFirst(), Messages.encode(task));
                KafkaTraceContext.inject(telemetry.openTelemetry(), Context.root().with(span), record.headers());
                tasks.add(producer.send(record));
            }
        }
        try {
            awaitAcks(tasks);
        } finally {
            sends.forEach(Span::end);
        }
        List<Future<RecordMetadata>> rest = new ArrayList<>();
        for (Output output : outputs) {
            switch (output) {
                case Output.State(Job job) -> {
                    rest.add(producer.send(JobStateRecords.toRecord(config.topics().jobState(), job,
                            traceparents.get(job.id()))));
                    if (job.status().terminal()) {
                        traceparents.remove(job.id());
                    }
                }
                case Output.Dead(var letter) -> rest.add(producer.send(new ProducerRecord<>(config.topics().deadLetter(),
                        letter.key(), Messages.encode(letter))));
                case Output.Tombstone(String jobId) -> {
                    rest.add(producer.send(JobStateRecords.tombstone(config.topics().jobState(), jobId)));
                    traceparents.remove(jobId);
                }
                case Output.Task task -> { }
            }
        }
        awaitAcks(rest);
    }

    private void awaitAcks(List<Future<RecordMetadata>> sends) {
        if (sends.isEmpty()) {
            return;
        }
        producer.flush();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                throw new SchedulerPublishException("publishing failed; offsets stay uncommitted", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchedulerPublishException("interrupted while publishing", e);
            }
        }
    }

    private int partitionOf(String jobId) {
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % jobPartitions;
    }

    private Set<Integer> jobPartitionNumbers(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> tp.topic().equals(config.topics().jobs()))
                .map(TopicPartition::partition).collect(Collectors.toSet());
    }

    private void closeClients() {
        try {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            log.warn("closing the consumer failed", e);
        }
        try {
            producer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("closing the producer failed", e);
        }
        log.info("scheduler stopped");
    }

    private static Map<String, Object> consumerProps(SchedulerConfig config) {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, config.groupId(),
                ConsumerConfig.CLIENT_ID_CONFIG, "lumen-scheduler",
                // Classic protocol + range assignor: equal partition numbers of jobs, events and
                // control go to the same instance (see the class comment).
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    }

    private static Map<String, Object> producerProps(SchedulerConfig config) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, "lumen-scheduler",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0);
    }

    /** Runs inside poll() on the loop thread, so it may touch the core directly. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<Integer> owned = jobPartitionNumbers(partitions);
            jobPartitions = consumer.partitionsFor(config.topics().jobs()).size();
            long t0 = System.nanoTime();
            var latest = CompactedTopicReader.read(config.bootstrapServers(), config.topics().jobState(), owned, RESTORE_TIMEOUT);
            var fallbackDeadline = clock.instant().plus(config.defaultJobTimeout());
            int restored = 0;
            for (ConsumerRecord<String, byte[]> record : latest.values()) {
                try {
                    Job job = JobStateRecords.fromRecord(record, fallbackDeadline);
                    core.restore(job);
                    String traceparent = JobStateRecords.traceparent(record);
                    if (traceparent != null && !job.status().terminal()) {
                        traceparents.put(job.id(), traceparent);
                    }
                    restored++;
                } catch (ContractException e) {
                    log.atWarn().addKeyValue("jobId", record.key()).addKeyValue("reason", e.getMessage())
                            .log("unreadable job-state record skipped");
                }
            }
            log.atInfo().addKeyValue("partitions", owned).addKeyValue("jobs", restored)
                    .addKeyValue("activeJobs", core.activeJobs()).addKeyValue("knownJobs", core.knownJobs())
                    .addKeyValue("ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .log("partitions assigned; job state rebuilt");
            firstAssignment.countDown();
        }

        private void forget(Collection<TopicPartition> partitions) {
            Set<Integer> gone = jobPartitionNumbers(partitions);
            if (!gone.isEmpty() && jobPartitions > 0) {
                core.forget(id -> gone.contains(partitionOf(id)));
                traceparents.keySet().removeIf(id -> gone.contains(partitionOf(id)));
                log.atInfo().addKeyValue("partitions", gone).log("partitions revoked; their jobs forgotten");
            }
        }
    }
}
