package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.Topics;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.images.ImageKeys;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.worker.Backend;
import dev.lumen.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
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
import tools.jackson.databind.JsonNode;

/**
 * Faults injected into the running one-process platform, observed only from outside: jobs go in
 * through real HTTP, and the verdict is read back from the gateway, the compacted
 * {@code lumen.job-state} topic and the S3 bucket. Whatever breaks, every accepted job must end in
 * exactly one terminal state, with its images stored exactly once (or not at all when cancelled).
 *
 * <p>One platform serves every scenario (starting one costs seconds of a shared CPU), so each
 * scenario leaves it healthy: infrastructure running, a scheduler and a worker serving the pool.
 */
class PlatformFaultsTest {
    private static final Duration JOB_DEADLINE = Duration.ofSeconds(150);
    private static final String TENANT = "local"; // the no-auth tenant
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicInteger SEEDS = new AtomicInteger(100);

    @TempDir
    static Path data;

    private static StandalonePlatform platform;
    private static ObjectStore store;
    /** The worker serving the pool now; the worker scenario replaces the platform's own. */
    private static Worker serving;

    @BeforeAll
    static void start() throws Exception {
        Path model = Path.of(PlatformFaultsTest.class.getResource("/pixart-tiny/model").toURI());
        platform = StandalonePlatform.start(new StandalonePlatform.Options(model, "pixart-tiny", null, 64, 4, 0, 0, 0,
                data, Backend.CPU));
        serving = platform.worker();
        store = MinioObjectStore.create(serving.config().storage());
    }

    @AfterAll
    static void stop() {
        // Our keep-alive connections would hold the gateway's graceful shutdown for its full 30 s.
        HTTP.close();
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void jobsQueuedWhileTheBrokerRestartsAllComplete() throws Exception {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(submit(64, 12));
        }
        // Every 202 means the job is on the broker; stopping it now catches most of them queued
        // or mid-run (the scheduler dispatches at most a batch at a time).
        platform.kafka().stop();
        platform.kafka().start();

        for (String job : jobs) {
            awaitStatus(job, "succeeded");
        }
        assertEachEndedOnce(jobs, JobStatus.SUCCEEDED);
        for (String job : jobs) {
            assertStoredOnce(job, 1);
        }
    }

    @Test
    void aSchedulerRestartedMidFlowLosesAndDuplicatesNothing() throws Exception {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // Different step counts give different batch keys, so the jobs run as several tasks and
            // some are still queued in the scheduler when it goes away.
            jobs.add(submit(64, 10 + i));
        }
        awaitStatus(jobs.getFirst(), s -> s.equals("running") || s.equals("succeeded"));
        platform.restartScheduler();

        for (String job : jobs) {
            awaitStatus(job, "succeeded");
        }
        assertEachEndedOnce(jobs, JobStatus.SUCCEEDED);
        // Ran once: a re-dispatch after the restart would show as a second completed report.
        Map<String, Integer> completions = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(Topics.EVENTS)) {
            WorkerEvent event = Messages.decode(r.value(), WorkerEvent.class);
            if (jobs.contains(event.jobId()) && event.type() == WorkerEvent.Type.COMPLETED) {
                completions.merge(event.jobId(), 1, Integer::sum);
            }
        }
        for (String job : jobs) {
            assertThat(completions.get(job)).as("completed reports of %s", job).isEqualTo(1);
            assertStoredOnce(job, 1);
        }
    }

    @Test
    void aTaskOfAWorkerStoppedMidRunIsRedeliveredAndCompletes() throws Exception {
        // A worker that gives up its running task at once when closed, as a node being drained
        // past its grace period would; it becomes the pool's only member.
        Worker leaving = platform.startWorker(c -> c.withDelivery(c.renewInterval(), c.deliveryLimit(),
                c.retryBackoff(), Duration.ZERO));
        serving.close();
        serving = leaving;

        String job = submit(256, 30);
        awaitProgress(job);
        leaving.close();
        assertThat(leaving.stats().released()).as("the closed worker released its task").isEqualTo(1);
        assertThat(status(job).path("status").asString()).isEqualTo("running");

        serving = platform.startWorker(c -> c);
        awaitStatus(job, "succeeded");
        assertEachEndedOnce(List.of(job), JobStatus.SUCCEEDED);
        assertStoredOnce(job, 1);
        assertThat(serving.stats().accepted()).isEqualTo(1);
    }

    @Test
    void jobsFinishOnceStorageIsReachableAgain() throws Exception {
        long releasedBefore = serving.stats().released();
        List<String> jobs = List.of(submit(256, 30), submit(64, 8));
        awaitProgress(jobs.getFirst());
        platform.s3().stop();
        try {
            // The upload at the end of the run fails; the worker releases the task for a retry.
            await("a task released while storage is down", () -> serving.stats().released() > releasedBefore);
        } finally {
            platform.s3().restart();
        }

        for (String job : jobs) {
            awaitStatus(job, "succeeded");
        }
        assertEachEndedOnce(jobs, JobStatus.SUCCEEDED);
        for (String job : jobs) {
            assertStoredOnce(job, 1);
        }
    }

    @Test
    void aJobCancelledWhileRunningEndsCancelledWithNothingStored() throws Exception {
        String job = submit(256, 50);
        awaitProgress(job);

        HttpResponse<String> cancel = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/" + job))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);

        awaitStatus(job, "cancelled");
        assertEachEndedOnce(List.of(job), JobStatus.CANCELLED);
        assertThat(store.list(ImageKeys.jobPrefix(TENANT, job))).isEmpty();
    }

    @Test
    void aPoisonTaskIsDeadLetteredAndTheNextJobStillRuns() throws Exception {
        String topic = Topics.tasks(platform.options().pool());
        String key = "poison-" + System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", platform.kafka().bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, "{\"schema\": \"lumen.task/v1\", \"jobs\": [".getBytes(
                    StandardCharsets.UTF_8))).get();
        }

        DeadLetter[] letter = new DeadLetter[1];
        await("a dead letter for the poison task", () -> {
            for (ConsumerRecord<String, byte[]> r : readAll(Topics.DEAD_LETTER)) {
                DeadLetter d = Messages.decode(r.value(), DeadLetter.class);
                if (d.sourceTopic().equals(topic) && key.equals(d.key())) {
                    letter[0] = d;
                    return true;
                }
            }
            return false;
        });
        assertThat(letter[0].reason()).isNotBlank();
        assertThat(letter[0].payload()).startsWith("{\"schema\": \"lumen.task/v1\"");

        String next = submit(64, 4);
        awaitStatus(next, "succeeded");
        assertEachEndedOnce(List.of(next), JobStatus.SUCCEEDED);
        assertStoredOnce(next, 1);
    }

    // ---------------------------------------------------------------- helpers

    private static String submit(int size, int steps) throws Exception {
        String body = "{\"model\": \"pixart-tiny\", \"prompt\": \"a fault-tolerant fox\", \"size\": \"" + size + "x" + size
                + "\", \"steps\": " + steps + ", \"seed\": " + SEEDS.incrementAndGet() + "}";
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Messages.json().readTree(accepted.body()).path("id").asString();
    }

    private static JsonNode status(String jobId) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                + jobId)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Messages.json().readTree(response.body());
    }

    private static void awaitStatus(String jobId, String expected) throws Exception {
        awaitStatus(jobId, expected::equals);
        assertThat(status(jobId).path("status").asString()).as("job %s", jobId).isEqualTo(expected);
    }

    private static void awaitStatus(String jobId, Predicate<String> wanted) throws Exception {
        String[] last = {null};
        try {
            await("job " + jobId + " status", () -> {
                last[0] = statusQuietly(jobId).path("status").asString();
                return wanted.test(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen " + last[0], e);
        }
    }

    /** Until the worker reports a step: the job is really executing, not just dispatched. */
    private static void awaitProgress(String jobId) throws Exception {
        await("progress of job " + jobId, () -> statusQuietly(jobId).path("progress").path("step").asInt(0) >= 1);
    }

    private static JsonNode statusQuietly(String jobId) {
        try {
            return status(jobId);
        } catch (Exception | AssertionError e) {
            // The gateway may briefly not know a job (or the broker be away); the deadline decides.
            return Messages.json().createObjectNode();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + JOB_DEADLINE + " waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /**
     * The job-state history says each job reached a terminal state once, the expected one: nothing
     * was written after it (compaction has not run yet in a test, so every record is still there).
     */
    private static void assertEachEndedOnce(List<String> jobIds, JobStatus expected) {
        Map<String, List<JobStatus>> history = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(Topics.JOB_STATE)) {
            if (r.value() != null && jobIds.contains(r.key())) {
                history.computeIfAbsent(r.key(), k -> new ArrayList<>())
                        .add(Messages.decode(r.value(), JobState.class).status());
            }
        }
        for (String job : jobIds) {
            List<JobStatus> states = history.getOrDefault(job, List.of());
            assertThat(states.stream().filter(JobStatus::terminal).toList()).as("terminal states of %s in %s", job, states)
                    .containsExactly(expected);
            assertThat(states.getLast()).as("last state of %s", job).isEqualTo(expected);
        }
    }

    /** Each image once: its PNG and its metadata JSON under the job's prefix, nothing else. */
    private static void assertStoredOnce(String jobId, int images) {
        List<String> keys = store.list(ImageKeys.jobPrefix(TENANT, jobId));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            ImageKeys k = ImageKeys.of(TENANT, jobId, i);
            expected.add(k.png());
            expected.add(k.metadata());
        }
        assertThat(keys).as("stored objects of %s", jobId).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Every record now in a topic, read from the beginning without a consumer group. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", platform.kafka().bootstrapServers()), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }
}
