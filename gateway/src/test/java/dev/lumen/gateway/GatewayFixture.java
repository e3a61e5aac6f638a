package dev.lumen.gateway;

import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Message;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.Topics;
import dev.lumen.embedded.EmbeddedKafka;
import dev.lumen.embedded.EmbeddedS3;
import dev.lumen.embedded.TopicSpec;
import dev.lumen.gateway.auth.ApiKeyHashes;
import dev.lumen.layout.LayoutServiceApplication;
import dev.lumen.storage.images.ImageKeys;
import dev.lumen.storage.minio.MinioObjectStore;
import dev.lumen.storage.minio.S3Config;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One running gateway for a test class, on a real in-process Kafka broker and S3 server, with a
 * real layout-service behind it: records every message the gateway publishes, and plays the
 * scheduler by publishing job states.
 */
final class GatewayFixture implements AutoCloseable {
    static final String KEY_A = "key-tenant-a";
    static final String KEY_B = "key-tenant-b";
    static final String KEY_LIMITED = "key-limited";
    static final String KEY_QUOTA = "key-quota";
    static final String KEY_FUZZ = "key-fuzz";
    static final String KEY_GALLERY = "key-gallery";
    static final String KEY_RETENTION = "key-retention";
    static final String BUCKET = "lumen-test";

    final EmbeddedKafka kafka;
    final EmbeddedS3 s3;
    final MinioObjectStore store;
    final ConfigurableApplicationContext gateway;
    final ConfigurableApplicationContext layoutService;
    final int port;
    final List<ConsumerRecord<String, byte[]>> jobs = new CopyOnWriteArrayList<>();
    final List<ConsumerRecord<String, byte[]>> control = new CopyOnWriteArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final Thread recorder;
    private volatile boolean recording = true;

    GatewayFixture(Path dir, Duration syncWait) {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        kafka.createTopics(TopicSpec.lumen("", 1, List.of("pixart-512")));
        s3 = EmbeddedS3.start(dir.resolve("s3"));
        store = MinioObjectStore.create(new S3Config(s3.endpoint(), s3.accessKey(), s3.secretKey(), BUCKET));
        store.ensureBucket();
        store.put("warm-up", new byte[] {0}, "application/octet-stream", Map.of()); // first call initialises the client
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
        try {
            // The first send of an idempotent producer waits for a producer id; not inside a timed test.
            producer.send(new ProducerRecord<>(Topics.DEAD_LETTER, "warm-up", new byte[0])).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        recorder = Thread.ofPlatform().name("test-recorder").daemon().start(this::record);

        layoutService = LayoutServiceApplication.start(Map.of("server.port", "0", "server.address", "127.0.0.1",
                "spring.main.banner-mode", "off"));
        Map<String, Object> props = new HashMap<>();
        props.put("lumen.gateway.layout-service.url", "http://127.0.0.1:"
                + layoutService.getEnvironment().getProperty("local.server.port"));
        props.put("server.port", "0");
        props.put("server.address", "127.0.0.1");
        props.put("lumen.gateway.kafka.bootstrap-servers", kafka.bootstrapServers());
        props.put("lumen.gateway.storage.endpoint", s3.endpoint().toString());
        props.put("lumen.gateway.storage.access-key", s3.accessKey());
        props.put("lumen.gateway.storage.secret-key", s3.secretKey());
        props.put("lumen.gateway.storage.bucket", BUCKET);
        props.put("lumen.gateway.sync-wait", syncWait.toMillis() + "ms");
        props.put("lumen.gateway.models[0].name", "pixart-512");
        props.put("lumen.gateway.models[0].pool", "pixart-512");
        props.put("lumen.gateway.models[1].name", "pixart-lcm");
        props.put("lumen.gateway.models[1].pool", "pixart-512");
        props.put("lumen.gateway.models[1].default-sampler", "lcm");
        props.put("lumen.gateway.models[1].default-steps", "4");
        key(props, 0, KEY_A, "tenant-a", 1000, 1000, 1000);
        key(props, 1, KEY_B, "tenant-b", 1000, 1000, 1000);
        key(props, 2, KEY_LIMITED, "tenant-c", 0.01, 2, 1000);
        key(props, 3, KEY_QUOTA, "tenant-d", 1000, 1000, 2);
        key(props, 4, KEY_FUZZ, "tenant-fuzz", 1_000_000, 1_000_000, 1000);
        key(props, 5, KEY_GALLERY, "tenant-gallery", 1000, 1000, 1000);
        key(props, 6, KEY_RETENTION, "tenant-retention", 1000, 1000, 1);
        gateway = GatewayApplication.start(props);
        port = Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
    }

    private static void key(Map<String, Object> props, int i, String key, String tenant, double rate, int burst, int active) {
        String p = "lumen.gateway.auth.keys[" + i + "].";
        props.put(p + "name", key.replace("key-", ""));
        props.put(p + "sha256", ApiKeyHashes.sha256(key));
        props.put(p + "tenant", tenant);
        props.put(p + "rate-per-second", Double.toString(rate));
        props.put(p + "burst", Integer.toString(burst));
        props.put(p + "max-active-jobs", Integer.toString(active));
    }

    WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build();
    }

    private void record() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(Topics.JOBS, 0), new TopicPartition(Topics.CONTROL, 0));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (recording) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    (r.topic().equals(Topics.JOBS) ? jobs : control).add(r);
                }
            }
        }
    }

    /** Waits for the JobSubmitted of {@code jobId} on lumen.jobs. */
    JobSubmitted awaitSubmitted(String jobId) {
        return await(() -> jobs.stream().filter(r -> jobId.equals(r.key())).findFirst()
                .map(r -> Messages.decode(r.value(), JobSubmitted.class)).orElse(null));
    }

    /** Waits for a JobSubmitted whose prompt is {@code prompt}. */
    JobSubmitted awaitSubmittedByPrompt(String prompt) {
        return await(() -> jobs.stream().map(r -> Messages.decode(r.value(), JobSubmitted.class))
                .filter(j -> j.spec().prompt().equals(prompt)).findFirst().orElse(null));
    }

    static <T> T await(Supplier<T> probe) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out waiting");
    }

    /** Publishes a job state as the scheduler would, and waits for the broker's ack. */
    void publishState(JobSubmitted job, JobStatus status, Integer step, List<ImageRef> images) {
        publishState(job, status, step, images, null);
    }

    /** A state as the scheduler writes it, with the token density the worker reported (null: none yet). */
    void publishState(JobSubmitted job, JobStatus status, Integer step, List<ImageRef> images,
                      dev.lumen.contracts.TokenDensityReport density) {
        Instant now = Instant.now();
        JobState state = new JobState(JobState.SCHEMA, job.jobId(), job.tenant(), status, job.spec(), job.submittedAt(), now,
                1, step, step == null ? null : job.spec().steps(), null, images, null, null, density);
        send(Topics.JOB_STATE, job.jobId(), state);
    }

    /** Publishes the tombstone the scheduler writes when it forgets a finished job, and waits for the ack. */
    void publishTombstone(String jobId) {
        try {
            producer.send(new ProducerRecord<>(Topics.JOB_STATE, jobId, null)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void send(String topic, String key, Message message) {
        try {
            producer.send(new ProducerRecord<>(topic, key, Messages.encode(message))).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Stores {@code png} as image {@code index} of the job and returns its reference. */
    ImageRef storeImage(JobSubmitted job, int index, byte[] png) {
        ImageKeys keys = ImageKeys.of(job.tenant(), job.jobId(), index);
        store.put(keys.png(), png, "image/png", Map.of());
        return keys.toRef(job.spec().width(), job.spec().height());
    }

    List<JobSubmitted> submittedByTenant(String tenant) {
        List<JobSubmitted> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : jobs) {
            JobSubmitted j = Messages.decode(r.value(), JobSubmitted.class);
            if (j.tenant().equals(tenant)) {
                out.add(j);
            }
        }
        return out;
    }

    @Override
    public void close() {
        recording = false;
        gateway.close();
        if (layoutService.isActive()) {
            layoutService.close();
        }
        try {
            recorder.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
        s3.close();
        kafka.close();
    }
}
