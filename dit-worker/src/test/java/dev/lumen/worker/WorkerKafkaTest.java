package dev.lumen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.TaskMessage;
import dev.lumen.contracts.TaskMessage.TaskJob;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.Topics;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.embedded.EmbeddedKafka;
import dev.lumen.embedded.EmbeddedS3;
import dev.lumen.embedded.TopicSpec;
import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.engine.vulkan.VulkanException;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.images.ImageKeys;
import dev.lumen.storage.images.ImageMetadata;
import dev.lumen.storage.images.PngText;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.storage.minio.S3Config;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker against a real broker, a real S3 server and the tiny fixture model (32×32 images,
 * LCM, a few milliseconds a step). One broker and store for the class; each test has its own
 * topic prefix (hence share group), and its own job ids. Tests that must catch a task mid-run hold
 * the engine thread in a {@link WorkerHooks} callback.
 */
class WorkerKafkaTest {
    private static final Path MODEL = Path.of("engine/src/test/resources/pixart-tiny/model");
    private static final String POOL = "tiny";
    private static final String MODEL_NAME = "pixart-tiny";
    private static final String BUCKET = "lumen-images";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger TESTS = new AtomicInteger();

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static EmbeddedS3 s3;
    static ObjectStore store;
    static KafkaProducer<String, byte[]> producer;

    private String prefix;
    private final List<Worker> workers = new ArrayList<>();

    @BeforeAll
    static void startInfrastructure() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        s3 = EmbeddedS3.start(dir.resolve("s3"));
        store = MinioObjectStore.create(s3Config());
        store.ensureBucket();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopInfrastructure() {
        if (producer != null) {
            producer.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void topics() {
        prefix = "t" + TESTS.incrementAndGet() + "-";
        kafka.createTopics(TopicSpec.lumen(prefix, 1, List.of(POOL)));
        kafka.setShareAutoOffsetResetEarliest(new WorkerTopics(prefix).workerGroup(POOL));
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(Worker::close);
    }

    private static S3Config s3Config() {
        return new S3Config(s3.endpoint(), S3Config.DEFAULT_REGION, s3.accessKey(), s3.secretKey(), BUCKET,
                Duration.ofSeconds(1), Duration.ofSeconds(5));
    }

    private WorkerConfig config(String workerId) {
        return WorkerConfig.defaults(kafka.bootstrapServers(), POOL, MODEL, s3Config())
                .withWorkerId(workerId)
                .withTopics(new WorkerTopics(prefix))
                .withModel(MODEL_NAME, Backend.CPU, List.of("lcm"), 32)
                .withProgress(2, Duration.ZERO)
                .withDelivery(Duration.ofSeconds(3), 4, Duration.ofMillis(300), Duration.ofSeconds(5));
    }

    private Worker start(WorkerConfig config, WorkerHooks hooks) {
        Worker worker = Worker.start(config, hooks);
        workers.add(worker);
        await("worker " + config.workerId() + " ready", worker::ready);
        return worker;
    }

    private static GenerationSpec spec(String prompt, int n, long seed) {
        return new GenerationSpec(MODEL_NAME, prompt, null, n, 32, 32, 4, 0.0, "lcm", seed, 0, null, null);
    }

    private String id(String name) {
        return prefix.replace("-", "") + "-" + name;
    }

    private void sendTask(String taskId, List<TaskJob> jobs) {
        send(new WorkerTopics(prefix).tasks(POOL), jobs.getFirst().jobId(),
                Messages.encode(new TaskMessage(taskId, POOL, jobs, 1, null, null)));
    }

    private static void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot produce to " + topic, e);
        }
    }

    /** Reads a topic from the start until the records read so far satisfy {@code done}. */
    private static List<ConsumerRecord<String, byte[]>> readUntil(String topic,
                                                                  Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!done.test(seen)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out reading " + topic + "; read " + seen.size() + " records");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            return seen;
        }
    }

    private List<WorkerEvent> eventsUntil(Predicate<List<WorkerEvent>> done) {
        List<ConsumerRecord<String, byte[]>> records = readUntil(new WorkerTopics(prefix).events(),
                rs -> done.test(decode(rs)));
        return decode(records);
    }

    private static List<WorkerEvent> decode(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> Messages.decode(r.value(), WorkerEvent.class)).toList();
    }

    private static Predicate<List<WorkerEvent>> has(WorkerEvent.Type type, String jobId) {
        return events -> events.stream().anyMatch(e -> e.type() == type && e.jobId().equals(jobId));
    }

    private static List<WorkerEvent> of(List<WorkerEvent> events, String jobId) {
        return events.stream().filter(e -> e.jobId().equals(jobId)).toList();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** What the engine itself makes of a job, run directly. */
    private static GenerationResult direct(TaskJob job) {
        ModelFolder folder = ModelFolder.open(MODEL);
        try (CpuOps ops = new CpuOps();
             PixArtPipeline pipeline = PixArtPipeline.load(folder, ops, SamplerKind.choose(folder, "lcm", null).config())) {
            return pipeline.generate(LoadedModel.request(job.spec()));
        }
    }

    /** The PNG the worker must store for image {@code index}: the engine's own output for that seed, annotated. */
    private static byte[] expectedPng(TaskJob job, int index) {
        GenerationResult result = direct(job);
        ImageKeys keys = ImageKeys.of(job.tenant(), job.jobId(), index);
        ImageMetadata meta = ImageMetadata.of(keys, job.spec(), job.spec().seed() + index, Instant.EPOCH, null,
                EngineDensities.report(job.spec().tokenDensity(), result.density()));
        return PngText.write(PngWriter.encode(result.images().get(index), Map.of()), meta.pngText());
    }

    private static GenerationSpec spec(String prompt, long seed, String tokenDensity) {
        GenerationSpec plain = spec(prompt, 1, seed);
        return new GenerationSpec(plain.model(), plain.prompt(), null, 1, plain.width(), plain.height(), plain.steps(),
                plain.guidanceScale(), plain.sampler(), seed, 0, null, Messages.json().readTree(tokenDensity));
    }

    private static BufferedImage image(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    void runsATaskStreamsEventsInOrderAndStoresTheEnginesPngs() {
        start(config(id("w")), WorkerHooks.NONE);
        TaskJob cube = new TaskJob(id("cube"), "acme", spec("a red cube", 2, 7));
        TaskJob ball = new TaskJob(id("ball"), "acme", spec("a blue ball", 1, 42));
        sendTask(id("task"), List.of(cube, ball));

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, cube.jobId())
                .and(has(WorkerEvent.Type.COMPLETED, ball.jobId())));

        for (TaskJob job : List.of(cube, ball)) {
            List<WorkerEvent> mine = of(events, job.jobId());
            assertThat(mine.getFirst().type()).isEqualTo(WorkerEvent.Type.STARTED);
            assertThat(mine.getLast().type()).isEqualTo(WorkerEvent.Type.COMPLETED);
            List<WorkerEvent> progress = mine.subList(1, mine.size() - 1);
            assertThat(progress).allMatch(e -> e.type() == WorkerEvent.Type.PROGRESS);
            assertThat(progress).extracting(WorkerEvent::step).containsExactly(1, 2, 3, 4);
            // previewEverySteps 2: steps 2 and 4 carry a preview at latent resolution (a fraction of 32×32).
            assertThat(progress).filteredOn(e -> e.previewPng() != null).extracting(WorkerEvent::step).containsExactly(2, 4);
            BufferedImage preview = image(Base64.getDecoder().decode(progress.get(1).previewPng()));
            assertThat(preview.getWidth()).isLessThan(32).isEqualTo(preview.getHeight());
            assertThat(32 % preview.getWidth()).isZero();
            assertThat(mine.getLast().engineMs()).isPositive();
        }
        List<ImageRef> refs = of(events, cube.jobId()).getLast().images();
        assertThat(refs).extracting(ImageRef::key)
                .containsExactly(ImageKeys.of("acme", cube.jobId(), 0).png(), ImageKeys.of("acme", cube.jobId(), 1).png());
        for (ImageRef ref : refs) {
            byte[] png = store.get(ref.key());
            BufferedImage decoded = image(png);
            assertThat(decoded.getWidth()).isEqualTo(32);
            assertThat(decoded.getHeight()).isEqualTo(32);
            assertThat(PngText.read(png)).containsEntry("prompt", "a red cube")
                    .containsEntry("seed", Long.toString(7 + ref.index())).containsEntry("model", MODEL_NAME)
                    .containsEntry("sampler", "lcm").containsEntry("steps", "4");
            ImageMetadata meta = ImageMetadata.fromJson(store.get(ref.metadataKey()));
            assertThat(meta.seed()).isEqualTo(7 + ref.index());
            assertThat(meta.timings().engineMs()).isPositive();
            // Same engine, same seed: the stored file is byte for byte what the pipeline makes.
            assertThat(png).isEqualTo(expectedPng(cube, ref.index()));
        }
        assertThat(workers.getFirst().stats().accepted()).isEqualTo(1);
    }

    @Test
    void eachJobRunsItsOwnTokenDensityAndReportsThePlanAndFlopsThatRan() {
        start(config(id("w")), WorkerHooks.NONE);
        TaskJob balanced = new TaskJob(id("balanced"), "acme", spec("a red cube", 7, "\"balanced\""));
        TaskJob rules = new TaskJob(id("rules"), "acme", spec("a red cube", 7,
                "{\"rules\": [{\"op\": \"kv_pool\", \"t\": [500, 1000], \"blocks\": \"1\", \"s\": 2, \"mode\": \"nearest\"}]}"));
        TaskJob dense = new TaskJob(id("dense"), "acme", spec("a red cube", 1, 7));
        // The scheduler never puts different densities in one task; the worker runs each job's own plan regardless.
        sendTask(id("task"), List.of(balanced, rules, dense));
        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, balanced.jobId())
                .and(has(WorkerEvent.Type.COMPLETED, rules.jobId())).and(has(WorkerEvent.Type.COMPLETED, dense.jobId())));

        for (TaskJob job : List.of(balanced, rules, dense)) {
            WorkerEvent completed = of(events, job.jobId()).getLast();
            GenerationResult engine = direct(job);
            TokenDensityReport report = completed.density();
            assertThat(report.plan()).isEqualTo(engine.density().plan().source());
            assertThat(report.steps()).isEqualTo(engine.density().plan().describe());
            assertThat(report.transformerFlops()).isEqualTo(engine.density().transformerFlops());
            assertThat(report.denseFlops()).isEqualTo(engine.density().denseTransformerFlops());
            assertThat(report.fraction()).isEqualTo(engine.density().fraction());
            assertThat(report.requested()).isEqualTo(job.spec().tokenDensity());
            assertThat(report.experimental()).isEqualTo(engine.density().plan().experimental());
            // The stored PNG is the engine's image at that density, and its metadata records what ran.
            ImageRef ref = completed.images().getFirst();
            assertThat(store.get(ref.key())).isEqualTo(expectedPng(job, 0));
            assertThat(ImageMetadata.fromJson(store.get(ref.metadataKey())).tokenDensity()).isEqualTo(report);
        }
        TokenDensityReport b = of(events, balanced.jobId()).getLast().density();
        assertThat(b.plan()).isEqualTo("preset balanced");
        assertThat(b.fraction()).isLessThan(1.0);
        assertThat(b.steps().getFirst()).contains("kv_pool(s=2,avg)");
        assertThat(b.experimental()).as("balanced missed its quality bar").isTrue();
        TokenDensityReport r = of(events, rules.jobId()).getLast().density();
        assertThat(r.plan()).isEqualTo("1 rule");
        assertThat(r.steps()).containsExactly("t=999: 0 dense, 1 kv_pool(s=2,nearest)", "t=759: 0 dense, 1 kv_pool(s=2,nearest)",
                "t=499: 0-1 dense", "t=259: 0-1 dense");
        assertThat(r.fraction()).isLessThan(1.0).isGreaterThan(b.fraction());
        assertThat(r.experimental()).as("kv_pool rules need no experimental flag").isFalse();
        TokenDensityReport d = of(events, dense.jobId()).getLast().density();
        assertThat(d.plan()).isEqualTo("preset full");
        assertThat(d.fraction()).isEqualTo(1.0);
        assertThat(d.requested()).isNull();
        assertThat(d.experimental()).isFalse();
        // Same prompt and seed: a thinned plan draws a different image than the dense model.
        BufferedImage thinned = image(store.get(of(events, balanced.jobId()).getLast().images().getFirst().key()));
        BufferedImage full = image(store.get(of(events, dense.jobId()).getLast().images().getFirst().key()));
        int differing = 0;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                differing += thinned.getRGB(x, y) != full.getRGB(x, y) ? 1 : 0;
            }
        }
        assertThat(differing).isPositive();
    }

    @Test
    void aTokenDensityTheModelCannotRunFailsTheJobWithItsRuleNamed() {
        start(config(id("w")), WorkerHooks.NONE);
        // The fixture model has blocks 0-1: the gateway cannot know that, the worker refuses before STARTED.
        TaskJob deep = new TaskJob(id("deep"), "acme", spec("a cube", 1,
                "{\"rules\": [{\"op\": \"dense\"}, {\"op\": \"kv_pool\", \"blocks\": \"1-5\", \"s\": 2, \"mode\": \"avg\"}]}"));
        sendTask(id("deep-task"), List.of(deep));
        // What a v1.1 gateway forwarded (an engine-owned object) is refused by the same reader, not ignored.
        TaskJob legacy = new TaskJob(id("legacy"), "acme", spec("a cube", 1, "{\"schedule\": [1, 0.5]}"));
        sendTask(id("legacy-task"), List.of(legacy));

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.FAILED, deep.jobId())
                .and(has(WorkerEvent.Type.FAILED, legacy.jobId())));
        WorkerEvent failed = of(events, deep.jobId()).getLast();
        assertThat(failed.error().code()).isEqualTo("invalid_token_density");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.error().message())
                .isEqualTo("token_density rules[1] (kv_pool): blocks 1-5 outside this model's blocks 0-1");
        WorkerEvent old = of(events, legacy.jobId()).getLast();
        assertThat(old.error().code()).isEqualTo("invalid_token_density");
        assertThat(old.error().message()).contains("token_density as an object must be {\"rules\": [...]}");
        assertThat(events).noneMatch(e -> e.type() == WorkerEvent.Type.STARTED);
        assertThat(store.list(ImageKeys.jobPrefix("acme", deep.jobId()))).isEmpty();
    }

    @Test
    void aCrashedWorkersTaskGoesToAnotherWorkerAndRedeliveryOverwritesTheSameKeys() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Worker first = start(config(id("a")), new WorkerHooks() {
            @Override
            public void afterStep(String jobId, int step) {
                if (step == 1) {
                    held.countDown();
                    try {
                        never.await(); // until the crash interrupts the engine thread
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        TaskJob job = new TaskJob(id("job"), "acme", spec("a green cone", 1, 3));
        sendTask(id("task"), List.of(job));
        assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        List<Integer> deliveries = new CopyOnWriteArrayList<>();
        Worker second = start(config(id("b")), new WorkerHooks() {
            @Override
            public void onDelivery(String key, int deliveryCount) {
                deliveries.add(deliveryCount);
            }
        });
        first.halt();

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, job.jobId()));
        assertThat(deliveries).containsExactly(2);
        WorkerEvent completed = of(events, job.jobId()).getLast();
        assertThat(completed.workerId()).isEqualTo(id("b"));
        assertThat(of(events, job.jobId())).filteredOn(e -> e.type() == WorkerEvent.Type.COMPLETED).hasSize(1);
        String prefixKey = ImageKeys.jobPrefix("acme", job.jobId());
        byte[] before = store.get(completed.images().getFirst().key());

        // The same task again, as after a crash between upload and acknowledgement: same keys, no copies.
        sendTask(id("task"), List.of(job));
        eventsUntil(events2 -> of(events2, job.jobId()).stream()
                .filter(e -> e.type() == WorkerEvent.Type.COMPLETED).count() == 2);
        assertThat(store.list(prefixKey)).containsExactly(prefixKey + "0.json", prefixKey + "0.png");
        assertThat(store.get(completed.images().getFirst().key())).isEqualTo(before);
        assertThat(second.stats().accepted()).isEqualTo(2);
    }

    @Test
    void poisonAndOverDeliveredTasksAreRejectedAndDeadLettered() throws Exception {
        WorkerTopics topics = new WorkerTopics(prefix);
        // A task released once by another member arrives with delivery count 2; this worker allows 1.
        TaskJob tired = new TaskJob(id("tired"), "acme", spec("a cube", 1, 1));
        sendTask(id("tired-task"), List.of(tired));
        try (KafkaShareConsumer<String, byte[]> other = new KafkaShareConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topics.workerGroup(POOL),
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            other.subscribe(List.of(topics.tasks(POOL)));
            List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.isEmpty() && System.nanoTime() < deadline) {
                other.poll(Duration.ofMillis(500)).forEach(got::add);
            }
            assertThat(got).hasSize(1);
            other.acknowledge(got.getFirst(), AcknowledgeType.RELEASE);
            other.commitSync();
        }
        send(topics.tasks(POOL), "garbage", "{not json".getBytes(StandardCharsets.UTF_8));
        TaskJob odd = new TaskJob(id("odd"), "acme",
                new GenerationSpec(MODEL_NAME, "a cube", null, 1, 30, 30, 4, 0.0, "lcm", 1, 0, null, null));
        sendTask(id("odd-task"), List.of(odd));

        WorkerConfig strict = config(id("w"));
        strict = strict.withDelivery(strict.renewInterval(), 1, strict.retryBackoff(), strict.gracePeriod());
        Worker worker = start(strict, WorkerHooks.NONE);

        List<DeadLetter> letters = readUntil(topics.deadLetter(), rs -> rs.size() >= 3).stream()
                .map(r -> Messages.decode(r.value(), DeadLetter.class)).toList();
        assertThat(letters).extracting(DeadLetter::reason).satisfiesExactly(
                reason -> assertThat(reason).startsWith("delivery_limit_exceeded: delivered 2 times"),
                reason -> assertThat(reason).startsWith("undecodable_task: TaskMessage: malformed JSON"),
                reason -> assertThat(reason).startsWith("invalid_size: size 30x30"));
        assertThat(letters).extracting(DeadLetter::sourceTopic).containsOnly(topics.tasks(POOL));
        assertThat(letters.get(1).payload()).isEqualTo("{not json");
        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.FAILED, tired.jobId())
                .and(has(WorkerEvent.Type.FAILED, odd.jobId())));
        assertThat(events).filteredOn(e -> e.type() == WorkerEvent.Type.FAILED)
                .allMatch(e -> !e.error().retryable())
                .extracting(e -> e.error().code()).containsExactly("delivery_limit_exceeded", "invalid_size");
        assertThat(events).noneMatch(e -> e.type() == WorkerEvent.Type.STARTED);
        await("three rejections", () -> worker.stats().rejected() == 3);
    }

    @Test
    void aCancelStopsTheRunBetweenStepsAndNothingIsStored() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        TaskJob running = new TaskJob(id("running"), "acme", spec("a cube", 1, 1));
        TaskJob waiting = new TaskJob(id("waiting"), "acme", spec("a ball", 1, 2));
        Worker worker = start(config(id("w")), new WorkerHooks() {
            @Override
            public void afterStep(String jobId, int step) {
                if (jobId.equals(running.jobId()) && step == 0) {
                    held.countDown();
                    try {
                        go.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        sendTask(id("task"), List.of(running, waiting));
        assertThat(held.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        for (TaskJob job : List.of(running, waiting)) {
            send(new WorkerTopics(prefix).control(), job.jobId(), Messages.encode(
                    new ControlMessage(ControlMessage.Type.CANCEL, job.jobId(), "acme", Instant.now())));
        }
        await("cancels seen", () -> worker.cancelSeen(running.jobId()) && worker.cancelSeen(waiting.jobId()));
        go.countDown();

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.CANCELLED, running.jobId())
                .and(has(WorkerEvent.Type.CANCELLED, waiting.jobId())));
        assertThat(of(events, running.jobId())).extracting(WorkerEvent::type)
                .containsExactly(WorkerEvent.Type.STARTED, WorkerEvent.Type.PROGRESS, WorkerEvent.Type.CANCELLED);
        assertThat(of(events, waiting.jobId())).extracting(WorkerEvent::type).containsExactly(WorkerEvent.Type.CANCELLED);
        await("task accepted", () -> worker.stats().accepted() == 1);
        assertThat(store.list(ImageKeys.jobPrefix("acme", running.jobId()))).isEmpty();
        assertThat(store.list(ImageKeys.jobPrefix("acme", waiting.jobId()))).isEmpty();
    }

    @Test
    void aTaskLongerThanTheLockKeepsItByRenewing() throws Exception {
        // 15 s is the broker's smallest allowed lock; the run below takes about 18 s.
        kafka.setGroupConfig(new WorkerTopics(prefix).workerGroup(POOL), "share.record.lock.duration.ms", "15000");
        CountDownLatch started = new CountDownLatch(1);
        Worker slow = start(config(id("slow")), new WorkerHooks() {
            @Override
            public void afterStep(String jobId, int step) {
                started.countDown();
                try {
                    Thread.sleep(4_500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        TaskJob job = new TaskJob(id("job"), "acme", spec("a slow cube", 1, 9));
        sendTask(id("task"), List.of(job));
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        // A second member that would get the task if the first one's lock lapsed.
        List<Integer> witnessed = new CopyOnWriteArrayList<>();
        start(config(id("witness")), new WorkerHooks() {
            @Override
            public void onDelivery(String key, int deliveryCount) {
                witnessed.add(deliveryCount);
            }
        });

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, job.jobId()));
        assertThat(of(events, job.jobId())).filteredOn(e -> e.type() == WorkerEvent.Type.STARTED).hasSize(1);
        assertThat(of(events, job.jobId()).getLast().workerId()).isEqualTo(id("slow"));
        assertThat(witnessed).isEmpty();
        assertThat(slow.stats().renewals()).isGreaterThanOrEqualTo(4);
        await("task accepted", () -> slow.stats().accepted() == 1);
    }

    @Test
    void closingPastTheGracePeriodReleasesTheRunningTaskForAnotherWorker() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        WorkerConfig base = config(id("leaving"));
        Worker leaving = start(base.withDelivery(base.renewInterval(), 4, base.retryBackoff(), Duration.ZERO),
                new WorkerHooks() {
                    @Override
                    public void afterStep(String jobId, int step) {
                        started.countDown();
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        TaskJob job = new TaskJob(id("job"), "acme", spec("a cube", 1, 11));
        sendTask(id("task"), List.of(job));
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        leaving.close(); // grace 0: the run stops at its next step and the record is released
        assertThat(leaving.stats().released()).isEqualTo(1);
        assertThat(leaving.ready()).isFalse();

        List<Integer> deliveries = new CopyOnWriteArrayList<>();
        start(config(id("next")), new WorkerHooks() {
            @Override
            public void onDelivery(String key, int deliveryCount) {
                deliveries.add(deliveryCount);
            }
        });
        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, job.jobId()));
        // The released record comes back as a redelivery. Its exact count is the broker's share-group
        // accounting (a member of the leaving consumer that the broker has not yet dropped can acquire
        // it once more under load), so the test asserts what the worker owes: not a first delivery.
        assertThat(deliveries).isNotEmpty().allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(2));
        assertThat(of(events, job.jobId())).filteredOn(e -> e.type() == WorkerEvent.Type.COMPLETED)
                .extracting(WorkerEvent::workerId).containsExactly(id("next"));
    }

    @Test
    void storageDownReleasesTheTaskWhichSucceedsOnceStorageIsBack() {
        List<Integer> deliveries = new CopyOnWriteArrayList<>();
        WorkerConfig base = config(id("w"));
        Worker worker = start(base.withDelivery(base.renewInterval(), 4, Duration.ofSeconds(2), base.gracePeriod()),
                new WorkerHooks() {
                    @Override
                    public void onDelivery(String key, int deliveryCount) {
                        deliveries.add(deliveryCount);
                    }
                });
        s3.stop();
        TaskJob job = new TaskJob(id("job"), "acme", spec("a cube", 1, 5));
        try {
            sendTask(id("task"), List.of(job));
            await("a release", () -> worker.stats().released() >= 1);
        } finally {
            s3.restart();
        }
        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, job.jobId()));
        assertThat(deliveries).hasSizeGreaterThanOrEqualTo(2).startsWith(1, 2);
        // No FAILED while deliveries remain: the broker's redelivery is the retry (see ADR 0005).
        assertThat(of(events, job.jobId())).noneMatch(e -> e.type() == WorkerEvent.Type.FAILED);
        assertThat(store.exists(ImageKeys.of("acme", job.jobId(), 0).png())).isTrue();
        await("task accepted", () -> worker.stats().accepted() == 1);
    }

    /** What {@code VkResults} raises when a submission finds the device lost (VK_ERROR_DEVICE_LOST = -4). */
    private static final class LostDevice extends VulkanException {
        LostDevice() {
            super("vkQueueSubmit failed: VK_ERROR_DEVICE_LOST", "vkQueueSubmit", -4, null);
        }
    }

    @Test
    void aLostDeviceIsReopenedInPlaceAndTheReleasedTaskRunsAgainOnIt() {
        AtomicBoolean lose = new AtomicBoolean(true);
        List<Integer> deliveries = new CopyOnWriteArrayList<>();
        WorkerConfig base = config(id("w"));
        Worker worker = start(base.withDelivery(base.renewInterval(), 4, Duration.ofMillis(200), base.gracePeriod()),
                new WorkerHooks() {
                    @Override
                    public void onDelivery(String key, int deliveryCount) {
                        deliveries.add(deliveryCount);
                    }

                    @Override
                    public void afterStep(String jobId, int step) {
                        if (step == 1 && lose.getAndSet(false)) {
                            throw new LostDevice();
                        }
                    }
                });
        TaskJob job = new TaskJob(id("job"), "acme", spec("a cube", 1, 5));
        sendTask(id("task"), List.of(job));

        List<WorkerEvent> events = eventsUntil(has(WorkerEvent.Type.COMPLETED, job.jobId()));
        assertThat(of(events, job.jobId())).noneMatch(e -> e.type() == WorkerEvent.Type.FAILED);
        assertThat(of(events, job.jobId())).filteredOn(e -> e.type() == WorkerEvent.Type.COMPLETED)
                .extracting(WorkerEvent::workerId).containsExactly(id("w"));
        assertThat(deliveries).startsWith(1, 2);
        await("task accepted", () -> worker.stats().accepted() == 1);
        assertThat(worker.stats().released()).isEqualTo(1);
        assertThat(worker.stats().deviceRecoveries()).isEqualTo(1);
        assertThat(worker.live()).isTrue();
        await("ready again", worker::ready);
        // The reopened model draws exactly what the engine draws: weights and state are whole again.
        assertThat(store.get(ImageKeys.of("acme", job.jobId(), 0).png())).isEqualTo(expectedPng(job, 0));
    }

    @Test
    void aDeviceLostAgainRightAfterReopeningMakesTheWorkerNotLive() {
        WorkerConfig base = config(id("w"));
        Worker worker = start(base.withDelivery(base.renewInterval(), 5, Duration.ofMillis(200), base.gracePeriod()),
                new WorkerHooks() {
                    @Override
                    public void afterStep(String jobId, int step) {
                        throw new LostDevice();
                    }
                });
        TaskJob job = new TaskJob(id("job"), "acme", spec("a cube", 1, 5));
        sendTask(id("task"), List.of(job));

        await("not live", () -> !worker.live());
        // Lost, reopened, lost, reopened, lost: the third loss with no success between gives up.
        assertThat(worker.stats().deviceRecoveries()).isEqualTo(2);
        assertThat(worker.stats().released()).isEqualTo(3);
        assertThat(worker.ready()).isFalse();
        assertThat(store.exists(ImageKeys.of("acme", job.jobId(), 0).png())).isFalse();
    }

    @Test
    void aDeviceThatCannotBeReopenedMakesTheWorkerNotLiveAndItStillClosesCleanly() throws Exception {
        // A copy of the model whose transformer goes away with the device: the reopen then fails.
        Path copy = dir.resolve(id("model"));
        try (Stream<Path> files = Files.walk(MODEL)) {
            for (Path source : files.toList()) {
                Files.copy(source, copy.resolve(MODEL.relativize(source).toString()));
            }
        }
        WorkerConfig base = WorkerConfig.defaults(kafka.bootstrapServers(), POOL, copy, s3Config())
                .withWorkerId(id("w")).withTopics(new WorkerTopics(prefix))
                .withModel(MODEL_NAME, Backend.CPU, List.of("lcm"), 32).withProgress(2, Duration.ZERO);
        Worker worker = Worker.start(base.withDelivery(Duration.ofSeconds(3), 4, Duration.ofMillis(200),
                Duration.ofSeconds(5)), new WorkerHooks() {
                    @Override
                    public void afterStep(String jobId, int step) {
                        try {
                            Files.delete(copy.resolve("transformer/diffusion_pytorch_model.safetensors"));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        throw new LostDevice();
                    }
                });
        await("worker ready", worker::ready);
        TaskJob job = new TaskJob(id("job"), "acme", spec("a cube", 1, 5));
        sendTask(id("task"), List.of(job));

        await("not live", () -> !worker.live());
        assertThat(worker.stats().deviceRecoveries()).isZero();
        assertThat(worker.stats().released()).isEqualTo(1);
        // The lost device's pipelines and backend were let go before the failed reopen: closing the
        // worker must not close them a second time.
        assertThatCode(worker::close).doesNotThrowAnyException();
    }
}
