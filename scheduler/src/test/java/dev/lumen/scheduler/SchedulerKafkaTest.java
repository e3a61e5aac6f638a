package dev.lumen.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Message;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TaskMessage;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.embedded.EmbeddedKafka;
import dev.lumen.embedded.TopicSpec;
import dev.lumen.scheduler.kafka.CompactedTopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler against a real broker. One broker for the class; every test has its own topic
 * prefix, consumer group and tenants, and plays the gateway and the workers by producing
 * submissions, cancels and worker events itself.
 */
class SchedulerKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger TESTS = new AtomicInteger();

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static GenerationSpec spec(String model, int steps) {
        return new GenerationSpec(model, "a red cube", null, 1, 512, 512, steps, 4.5, "dpm-solver", 1, 0, null, null);
    }

    private static final GenerationSpec SMALL = spec("pixart-512", 20);

    @Test
    void batchesCompatibleJobsAndDrivesThemToSucceeded() throws Exception {
        try (Env env = new Env(c -> c.withLimits(3, 4, 100, 3))) {
            List<String> same = List.of("j1", "j2", "j3", "j4");
            for (int i = 0; i < same.size(); i++) {
                env.submit(same.get(i), i % 2 == 0 ? "acme" : "globex", SMALL, null);
            }
            env.submit("j5", "acme", spec("pixart-512", 8), null);
            env.submit("j6", "acme", spec("pixart-1024", 20), null);
            env.startScheduler();

            List<TaskMessage> small = env.tasks("small").await(l -> jobCount(l) == 5);
            List<TaskMessage> large = env.tasks("large").await(l -> jobCount(l) == 1);
            assertThat(small).extracting(t -> t.jobs().size()).contains(3).allMatch(n -> n <= 3);
            assertThat(small).allSatisfy(t -> assertThat(t.jobs().stream().map(j -> j.spec().batchKey()).distinct()).hasSize(1));
            assertThat(small.stream().filter(t -> t.jobs().size() == 3).findFirst().orElseThrow().jobs())
                    .extracting(TaskMessage.TaskJob::tenant).contains("acme", "globex");
            assertThat(large.getFirst().pool()).isEqualTo("large");

            for (TaskMessage task : concat(small, large)) {
                for (TaskMessage.TaskJob job : task.jobs()) {
                    env.event(WorkerEvent.Type.STARTED, job.jobId(), task.taskId(), null, null);
                    env.event(WorkerEvent.Type.PROGRESS, job.jobId(), task.taskId(), 10, null);
                    env.event(WorkerEvent.Type.COMPLETED, job.jobId(), task.taskId(), null, null);
                }
            }
            Map<String, List<JobState>> history = env.awaitTerminal(List.of("j1", "j2", "j3", "j4", "j5", "j6"));
            history.forEach((id, states) -> {
                assertThat(states.getLast().status()).as(id).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(states.getLast().images()).as(id).hasSize(1);
                assertThat(states).extracting(JobState::status).as(id)
                        .containsSubsequence(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
            });
        }
    }

    @Test
    void retryableFailureIsDispatchedAgainThenSucceeds() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 4, 100, 3))) {
            env.startScheduler();
            env.submit("r1", "acme", SMALL, null);
            TaskMessage first = env.tasks("small").await(l -> l.size() == 1).getFirst();
            assertThat(first.attempt()).isEqualTo(1);
            env.event(WorkerEvent.Type.FAILED, "r1", first.taskId(), null, new ErrorInfo("device_lost", "GPU reset", true));

            TaskMessage second = env.tasks("small").await(l -> l.size() == 2).get(1);
            assertThat(second.attempt()).isEqualTo(2);
            assertThat(second.taskId()).isNotEqualTo(first.taskId());
            // A late report from the first attempt must not touch the second.
            env.event(WorkerEvent.Type.COMPLETED, "r1", first.taskId(), null, null);
            env.event(WorkerEvent.Type.COMPLETED, "r1", second.taskId(), null, null);

            JobState last = env.awaitTerminal(List.of("r1")).get("r1").getLast();
            assertThat(last.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(last.attempts()).isEqualTo(2);
            assertThat(env.deadLetters().snapshot()).isEmpty();
        }
    }

    @Test
    void poisonAndExhaustedRetriesFailWithADeadLetter() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 4, 100, 2).withPools(Map.of("pixart-512", "small"), null))) {
            env.startScheduler();
            env.submit("p1", "acme", SMALL, null);
            env.submit("p2", "acme", SMALL, null);
            env.submit("p3", "acme", spec("sdxl", 20), null);
            env.send(env.topics.jobs(), "garbage", "not json at all".getBytes(StandardCharsets.UTF_8));

            List<TaskMessage> tasks = env.tasks("small").await(l -> l.size() == 2);
            String p1Task = taskOf(tasks, "p1").taskId();
            env.event(WorkerEvent.Type.FAILED, "p1", p1Task, null, new ErrorInfo("invalid_layout", "box outside the image", false));
            ErrorInfo oom = new ErrorInfo("oom", "out of device memory", true);
            env.event(WorkerEvent.Type.FAILED, "p2", taskOf(tasks, "p2").taskId(), null, oom);
            TaskMessage retry = env.tasks("small").await(l -> l.size() == 3).get(2);
            env.event(WorkerEvent.Type.FAILED, "p2", retry.taskId(), null, oom);

            Map<String, List<JobState>> history = env.awaitTerminal(List.of("p1", "p2", "p3"));
            assertThat(history.values()).allSatisfy(s -> assertThat(s.getLast().status()).isEqualTo(JobStatus.FAILED));
            assertThat(history.get("p2").getLast().attempts()).isEqualTo(2);

            Map<String, DeadLetter> letters = env.deadLetters().await(l -> l.size() == 4).stream()
                    .collect(Collectors.toMap(DeadLetter::key, d -> d));
            assertThat(letters.get("p1").reason()).isEqualTo("non-retryable failure: invalid_layout: box outside the image");
            assertThat(letters.get("p1").sourceTopic()).isEqualTo(env.topics.events());
            assertThat(letters.get("p2").reason()).startsWith("retry limit reached after 2 attempt(s): oom");
            assertThat(letters.get("p2").deliveryCount()).isEqualTo(2);
            assertThat(letters.get("p3").reason()).contains("no worker pool serves model sdxl");
            assertThat(letters.get("garbage").sourceTopic()).isEqualTo(env.topics.jobs());
            assertThat(letters.get("garbage").payload()).isEqualTo("not json at all");
        }
    }

    @Test
    void queueQuotaRejectsATenantsExcessJobs() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 1, 2, 3))) {
            for (String id : List.of("q1", "q2", "q3")) {
                env.submit(id, "acme", SMALL, null);
            }
            env.submit("q4", "globex", SMALL, null);
            env.startScheduler();
            JobState rejected = env.awaitTerminal(List.of("q3")).get("q3").getLast();
            assertThat(rejected.status()).isEqualTo(JobStatus.FAILED);
            assertThat(rejected.error().code()).isEqualTo("queue_quota_exceeded");
            assertThat(env.latest("q1").status()).isIn(JobStatus.QUEUED, JobStatus.RUNNING);
            assertThat(env.latest("q4").status()).isIn(JobStatus.QUEUED, JobStatus.RUNNING);
        }
    }

    @Test
    void cancelWhileQueuedIsImmediateAndWhileRunningWaitsForTheWorkerOrTheTimeout() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 1, 100, 3).withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(1)))) {
            env.startScheduler();
            env.submit("c1", "acme", SMALL, null);
            TaskMessage running = env.tasks("small").await(l -> l.size() == 1).getFirst();
            env.submit("c2", "acme", SMALL, null);
            env.submit("c3", "acme", SMALL, null);
            env.awaitStatus("c3", JobStatus.QUEUED);

            env.cancel("c2");
            assertThat(env.awaitTerminal(List.of("c2")).get("c2").getLast().status()).isEqualTo(JobStatus.CANCELLED);

            env.cancel("c1");
            Thread.sleep(300);
            assertThat(env.latest("c1").status()).isEqualTo(JobStatus.RUNNING);
            env.event(WorkerEvent.Type.CANCELLED, "c1", running.taskId(), null, null);
            assertThat(env.awaitTerminal(List.of("c1")).get("c1").getLast().status()).isEqualTo(JobStatus.CANCELLED);

            // c3 takes the freed slot; its worker never answers the cancel, so the timeout decides.
            TaskMessage third = env.tasks("small").await(l -> l.size() == 2).get(1);
            assertThat(third.jobs()).extracting(TaskMessage.TaskJob::jobId).containsExactly("c3");
            env.cancel("c3");
            assertThat(env.awaitTerminal(List.of("c3")).get("c3").getLast().status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(env.tasks("small").snapshot()).flatExtracting(TaskMessage::jobs)
                    .extracting(TaskMessage.TaskJob::jobId).doesNotContain("c2");
        }
    }

    @Test
    void restartedSchedulerResumesFromJobStateWithoutLosingOrRepeatingJobs() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 2, 100, 3))) {
            List<String> ids = new ArrayList<>(List.of("s1", "s2", "s3", "s4", "s5"));
            env.startScheduler();
            for (String id : ids) {
                env.submit(id, id.equals("s3") ? "globex" : "acme", SMALL, null);
            }
            List<TaskMessage> before = env.tasks("small").await(l -> l.size() == 2);
            complete(env, before.getFirst());
            env.awaitTerminal(List.of(before.getFirst().jobs().getFirst().jobId()));
            env.stopScheduler();

            // While no scheduler runs: a worker finishes, new jobs arrive, a queued job is cancelled.
            complete(env, before.get(1));
            env.submit("s6", "acme", SMALL, null);
            env.submit("s7", "globex", SMALL, null);
            String queuedVictim = ids.stream().filter(id -> env.latest(id).status() == JobStatus.QUEUED).findFirst().orElseThrow();
            env.cancel(queuedVictim);
            ids.addAll(List.of("s6", "s7"));

            env.startScheduler();
            Set<String> completedTasks = new HashSet<>(before.stream().map(TaskMessage::taskId).toList());
            Map<String, List<JobState>> history = env.driveUntilTerminal(ids, completedTasks);

            assertThat(history.get(queuedVictim).getLast().status()).isEqualTo(JobStatus.CANCELLED);
            ids.stream().filter(id -> !id.equals(queuedVictim)).forEach(id ->
                    assertThat(history.get(id).getLast().status()).as(id).isEqualTo(JobStatus.SUCCEEDED));
            Map<String, Long> dispatches = env.tasks("small").snapshot().stream().flatMap(t -> t.jobs().stream())
                    .collect(Collectors.groupingBy(TaskMessage.TaskJob::jobId, Collectors.counting()));
            assertThat(dispatches).doesNotContainKey(queuedVictim);
            assertThat(dispatches.values()).as("every job dispatched exactly once").containsOnly(1L);
        }
    }

    @Test
    void carriesOnAcrossABrokerRestart() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 4, 100, 3))) {
            env.startScheduler();
            env.submit("b1", "acme", SMALL, null);
            TaskMessage first = env.tasks("small").await(l -> l.size() == 1).getFirst();
            kafka.stop();
            kafka.start();
            env.event(WorkerEvent.Type.COMPLETED, "b1", first.taskId(), null, null);
            env.submit("b2", "acme", SMALL, null);
            TaskMessage second = env.tasks("small").await(l -> l.size() == 2).get(1);
            complete(env, second);
            Map<String, List<JobState>> history = env.awaitTerminal(List.of("b1", "b2"));
            assertThat(history.values()).allSatisfy(s -> assertThat(s.getLast().status()).isEqualTo(JobStatus.SUCCEEDED));
        }
    }

    @Test
    void deadlinesExpireQueuedAndRunningJobs() throws Exception {
        try (Env env = new Env(c -> c.withLimits(1, 1, 100, 3))) {
            env.startScheduler();
            Instant deadline = Instant.now().plusMillis(1500);
            env.submit("d1", "acme", SMALL, deadline);
            env.tasks("small").await(l -> l.size() == 1);
            env.submit("d2", "acme", SMALL, deadline);
            env.awaitStatus("d2", JobStatus.QUEUED);
            Map<String, List<JobState>> history = env.awaitTerminal(List.of("d1", "d2"));
            assertThat(history.values()).allSatisfy(s -> {
                assertThat(s.getLast().status()).isEqualTo(JobStatus.EXPIRED);
                assertThat(s.getLast().error().code()).isEqualTo("deadline_exceeded");
            });
            assertThat(history.get("d1")).extracting(JobState::status).contains(JobStatus.RUNNING);
        }
    }

    @Test
    void finishedJobsAreTombstonedAfterTheRetentionWhileActiveOnesStayHoweverOld() throws Exception {
        Duration retention = Duration.ofHours(1);
        try (Env env = new Env(c -> c.withLimits(1, 1, 100, 3).withPools(Map.of("pixart-512", "small"), null)
                .withJobRetention(retention))) {
            env.startScheduler();
            Instant farDeadline = env.clock.instant().plus(Duration.ofDays(365));
            env.submit("k1", "acme", SMALL, null);
            complete(env, env.tasks("small").await(l -> l.size() == 1).getFirst());
            env.submit("k2", "acme", spec("sdxl", 20), null);
            env.awaitTerminal(List.of("k1", "k2"));
            env.submit("r1", "acme", SMALL, farDeadline);
            TaskMessage r1Task = env.tasks("small").await(l -> l.size() == 2).get(1);
            env.event(WorkerEvent.Type.STARTED, "r1", r1Task.taskId(), null, null);
            env.submit("w1", "globex", SMALL, farDeadline);
            env.awaitStatus("w1", JobStatus.QUEUED);

            env.clock.advance(retention.minusMinutes(1));
            env.settle();
            assertThat(env.states.tombstones()).as("nothing goes before its retention").isEmpty();

            env.clock.advance(Duration.ofMinutes(2));
            env.states.awaitTombstones(t -> t.containsAll(List.of("k1", "k2")));
            // Far past the retention, the running and the queued job are still there.
            env.clock.advance(retention.multipliedBy(24 * 30));
            env.settle();
            assertThat(env.states.tombstones()).contains("k1", "k2").doesNotContain("r1", "w1");
            assertThat(env.states.tombstones()).as("one tombstone per job").doesNotHaveDuplicates();

            // What a restart rebuilds from lumen.job-state: the latest record per key, tombstones applied.
            env.stopScheduler();
            Set<String> table = CompactedTopicReader.read(kafka.bootstrapServers(), env.topics.jobState(), Set.of(0), WAIT)
                    .keySet();
            assertThat(table).contains("r1", "w1").doesNotContain("k1", "k2");

            // The restarted scheduler still drives the old active jobs to the end.
            env.startScheduler();
            env.event(WorkerEvent.Type.COMPLETED, "r1", r1Task.taskId(), null, null);
            TaskMessage w1Task = env.tasks("small").await(l -> l.size() == 3).get(2);
            assertThat(w1Task.jobs()).extracting(TaskMessage.TaskJob::jobId).containsExactly("w1");
            complete(env, w1Task);
            Map<String, List<JobState>> history = env.awaitTerminal(List.of("r1", "w1"));
            assertThat(history.get("r1").getLast().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(history.get("w1").getLast().status()).isEqualTo(JobStatus.SUCCEEDED);
        }
    }

    @Test
    void purgedJobsStayGoneWhenSubmissionsAreReadAgainAndRestoredOnesPastRetentionAreTombstoned() throws Exception {
        Duration retention = Duration.ofHours(1);
        try (Env env = new Env(c -> c.withLimits(1, 4, 100, 3).withPools(Map.of("pixart-512", "small"), null)
                .withJobRetention(retention))) {
            env.startScheduler();
            env.submit("o1", "acme", SMALL, null);
            complete(env, env.tasks("small").await(l -> l.size() == 1).getFirst());
            env.awaitTerminal(List.of("o1"));
            env.stopScheduler();

            // Finished before the restart, past its retention when the new scheduler reads it back.
            env.clock.advance(retention.plusSeconds(1));
            env.startScheduler();
            env.states.awaitTombstones(t -> t.contains("o1"));
            int statesOfO1 = env.history().get("o1").size();
            env.stopScheduler();

            // Committed offsets lost (a new group, or expired offsets): every submission is read again.
            env.startScheduler(env.config.withGroupId(env.config.groupId() + "-again"));
            env.settle();
            assertThat(env.history().get("o1")).as("o1 not brought back").hasSize(statesOfO1);
            assertThat(env.tasks("small").snapshot()).flatExtracting(TaskMessage::jobs)
                    .extracting(TaskMessage.TaskJob::jobId).containsOnlyOnce("o1");
            assertThat(env.states.tombstones()).containsOnlyOnce("o1");
        }
    }

    private static void complete(Env env, TaskMessage task) {
        for (TaskMessage.TaskJob job : task.jobs()) {
            env.event(WorkerEvent.Type.COMPLETED, job.jobId(), task.taskId(), null, null);
        }
    }

    private static int jobCount(List<TaskMessage> tasks) {
        return tasks.stream().mapToInt(t -> t.jobs().size()).sum();
    }

    private static TaskMessage taskOf(List<TaskMessage> tasks, String jobId) {
        return tasks.stream().filter(t -> t.jobs().stream().anyMatch(j -> j.jobId().equals(jobId))).findFirst().orElseThrow();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** One test's world: its topics, its scheduler, and readers of what the scheduler writes. */
    private static final class Env implements AutoCloseable {
        final SchedulerTopics topics;
        final SchedulerConfig config;
        /** The scheduler's clock, and the time the test's gateway and workers stamp their messages with. */
        final SkewedClock clock = new SkewedClock();
        private final AtomicInteger settles = new AtomicInteger();
        final KafkaProducer<String, byte[]> producer;
        private final Map<String, Tail<TaskMessage>> taskTails = new LinkedHashMap<>();
        private final Tail<JobState> states;
        private final Tail<DeadLetter> deadLetters;
        private Scheduler scheduler;

        Env(UnaryOperator<SchedulerConfig> tune) {
            String prefix = "t" + TESTS.incrementAndGet() + ".";
            topics = SchedulerTopics.prefixed(prefix);
            kafka.createTopics(TopicSpec.lumen(prefix, 1, List.of("small", "large")));
            config = tune.apply(SchedulerConfig.defaults(kafka.bootstrapServers(), "small")
                    .withPools(Map.of("pixart-512", "small", "pixart-1024", "large"), "small")
                    .withGroupId(prefix + "scheduler")
                    .withTopics(topics));
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
            states = new Tail<>(topics.jobState(), JobState.class);
            deadLetters = new Tail<>(topics.deadLetter(), DeadLetter.class);
        }

        void startScheduler() throws InterruptedException {
            startScheduler(config);
        }

        void startScheduler(SchedulerConfig with) throws InterruptedException {
            scheduler = Scheduler.start(with, clock);
            assertThat(scheduler.awaitAssignment(WAIT)).as("scheduler got its partitions").isTrue();
        }

        void stopScheduler() {
            scheduler.close();
            assertThat(scheduler.failure()).isEmpty();
            scheduler = null;
        }

        Tail<TaskMessage> tasks(String pool) {
            return taskTails.computeIfAbsent(pool, p -> new Tail<>(topics.tasks(p), TaskMessage.class));
        }

        Tail<DeadLetter> deadLetters() {
            return deadLetters;
        }

        void send(String topic, String key, byte[] value) {
            try {
                producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("could not produce to " + topic, e);
            }
        }

        void send(String topic, String key, Message message) {
            send(topic, key, Messages.encode(message));
        }

        void submit(String jobId, String tenant, GenerationSpec spec, Instant deadline) {
            send(topics.jobs(), jobId, new JobSubmitted(jobId, tenant, spec, clock.instant(), deadline, null, null));
        }

        void cancel(String jobId) {
            send(topics.control(), jobId, new ControlMessage(ControlMessage.Type.CANCEL, jobId, "acme", clock.instant()));
        }

        void event(WorkerEvent.Type type, String jobId, String taskId, Integer step, ErrorInfo error) {
            List<ImageRef> images = type == WorkerEvent.Type.COMPLETED
                    ? List.of(new ImageRef(0, "images/acme/" + jobId + "/0.png", "images/acme/" + jobId + "/0.json", 512, 512))
                    : null;
            send(topics.events(), jobId, new WorkerEvent(WorkerEvent.SCHEMA, type, jobId, taskId, "worker-1", clock.instant(),
                    step, 20, null, images, error, type == WorkerEvent.Type.COMPLETED ? 42.0 : null));
        }

        Map<String, List<JobState>> history() {
            return states.snapshot().stream().collect(Collectors.groupingBy(JobState::jobId, LinkedHashMap::new, Collectors.toList()));
        }

        JobState latest(String jobId) {
            states.poll();
            return history().getOrDefault(jobId, List.of()).stream().reduce((a, b) -> b).orElseThrow(
                    () -> new AssertionError("no state for " + jobId));
        }

        /**
         * Returns once the scheduler has run a whole turn after this call, and everything that turn
         * published is read: a job of a model no pool serves fails in the turn that reads it; the
         * second such job is read in a later turn, so its state comes after all the first turn wrote.
         */
        void settle() {
            for (int i = 0; i < 2; i++) {
                String marker = "settle-" + settles.incrementAndGet();
                submit(marker, "settle", spec("no-such-model", 20), null);
                awaitStatus(marker, JobStatus.FAILED);
            }
        }

        void awaitStatus(String jobId, JobStatus status) {
            states.await(l -> l.stream().anyMatch(s -> s.jobId().equals(jobId) && s.status() == status));
        }

        /** Waits until every job is terminal, then checks it reached exactly one terminal state. */
        Map<String, List<JobState>> awaitTerminal(List<String> jobIds) {
            states.await(l -> jobIds.stream().allMatch(id -> l.stream().anyMatch(s -> s.jobId().equals(id) && s.status().terminal())));
            return checkedHistory(jobIds);
        }

        /** Plays a worker that completes every task it has not seen yet, until every job is terminal. */
        Map<String, List<JobState>> driveUntilTerminal(List<String> jobIds, Set<String> seen) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (TaskMessage task : tasks("small").poll()) {
                    if (seen.add(task.taskId())) {
                        complete(this, task);
                    }
                }
                List<JobState> all = states.poll();
                if (jobIds.stream().allMatch(id -> all.stream().anyMatch(s -> s.jobId().equals(id) && s.status().terminal()))) {
                    return checkedHistory(jobIds);
                }
            }
            throw new AssertionError("jobs not all terminal within " + WAIT + ": " + history());
        }

        private Map<String, List<JobState>> checkedHistory(List<String> jobIds) {
            Map<String, List<JobState>> history = history();
            for (String id : jobIds) {
                List<JobState> states = history.get(id);
                assertThat(states.stream().filter(s -> s.status().terminal()).count())
                        .as("terminal records of %s: %s", id, states.stream().map(JobState::status).toList()).isEqualTo(1);
                assertThat(states.getLast().status().terminal()).as("last state of %s is terminal", id).isTrue();
            }
            return history;
        }

        @Override
        public void close() {
            if (scheduler != null) {
                stopScheduler();
            }
            producer.close();
            taskTails.values().forEach(Tail::close);
            states.close();
            deadLetters.close();
        }
    }

    /** Reads a whole one-partition topic from the start, accumulating decoded records. */
    private static final class Tail<T extends Message> implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Class<T> type;
        private final List<T> seen = new ArrayList<>();
        private final List<String> tombstones = new ArrayList<>();

        Tail(String topic, Class<T> type) {
            this.type = type;
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }

        List<T> poll() {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.value() == null) {
                    tombstones.add(record.key());
                } else {
                    seen.add(Messages.decode(record.value(), type));
                }
            }
            return List.copyOf(seen);
        }

        List<T> snapshot() {
            return poll();
        }

        List<T> await(Predicate<List<T>> condition) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                List<T> now = poll();
                if (condition.test(now)) {
                    return now;
                }
            }
            throw new AssertionError("condition not met within " + WAIT + "; saw " + seen);
        }

        /** Keys of the tombstones (null values) read so far, in order. */
        List<String> tombstones() {
            poll();
            return List.copyOf(tombstones);
        }

        List<String> awaitTombstones(Predicate<List<String>> condition) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                List<String> now = tombstones();
                if (condition.test(now)) {
                    return now;
                }
            }
            throw new AssertionError("tombstones not as expected within " + WAIT + "; saw " + tombstones);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The system clock moved on by however much a test advanced it: timers see the future at once. */
    private static final class SkewedClock extends Clock {
        private final AtomicReference<Duration> skew = new AtomicReference<>(Duration.ZERO);

        void advance(Duration by) {
            skew.updateAndGet(d -> d.plus(by));
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(skew.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("a test clock in UTC only");
        }
    }
}
