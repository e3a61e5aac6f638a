package dev.lumen.worker;

import dev.lumen.contracts.Topics;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.storage.images.ImageKeys;
import dev.lumen.storage.minio.S3Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Everything a worker is told, validated on construction.
 *
 * @param bootstrapServers  Kafka's {@code bootstrap.servers}
 * @param pool              the worker pool (a model and its resolution class); the worker consumes
 *                          {@code lumen.tasks.<pool>} in share group {@code lumen-workers-<pool>}
 * @param workerId          this instance's name in events and logs (letters, digits, '_', '-')
 * @param topics            topic names
 * @param modelDir          the diffusers folder of the model
 * @param modelName         the model name tasks carry in {@code spec.model}; others are rejected
 * @param backend           engine backend
 * @param samplers          samplers to serve ({@code lcm}, {@code dpm-solver}); empty = the folder's own.
 *                          Each loads its own pipeline (weights mapped once per sampler), the first
 *                          is warmed up
 * @param warmupSize        width and height of the warm-up generation that precedes readiness
 * @param storage           where images go
 * @param previewEverySteps a preview PNG on every k-th progress event; 0 turns previews off
 * @param progressInterval  least time between two progress events of a job (the last step is always sent)
 * @param renewInterval     how often a running task's acquisition lock is renewed; well under the
 *                          group's {@code share.record.lock.duration.ms} (30 s by default)
 * @param pollTimeout       longest wait in one poll while idle; bounds how late a stop is noticed
 * @param deliveryLimit     deliveries of one task record this worker will work on; a record
 *                          delivered more often is rejected and dead-lettered. Keep it below the
 *                          group's {@code share.delivery.count.limit} (5 by default), or the broker
 *                          archives the record silently before a worker can dead-letter it
 * @param retryBackoff      pause before polling again after releasing a task on a transient failure,
 *                          so a broken dependency does not burn the delivery limit in a second
 * @param gracePeriod       how long {@link Worker#close()} lets a running task finish before releasing it
 */
public record WorkerConfig(String bootstrapServers, String pool, String workerId, WorkerTopics topics,
                           Path modelDir, String modelName, Backend backend, List<String> samplers, int warmupSize,
                           S3Config storage, int previewEverySteps, Duration progressInterval,
                           Duration renewInterval, Duration pollTimeout, int deliveryLimit, Duration retryBackoff,
                           Duration gracePeriod) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    public WorkerConfig {
        requireText(bootstrapServers, "bootstrapServers");
        try {
            Topics.tasks(pool);
        } catch (IllegalArgumentException e) {
            throw new WorkerConfigException("invalid pool: " + e.getMessage());
        }
        if (workerId == null || !ID.matcher(workerId).matches()) {
            throw new WorkerConfigException("workerId must be 1-128 letters, digits, '_' or '-': " + workerId);
        }
        if (topics == null) {
            throw new WorkerConfigException("topics must be set");
        }
        if (modelDir == null) {
            throw new WorkerConfigException("modelDir must be set");
        }
        requireText(modelName, "modelName");
        if (backend == null) {
            throw new WorkerConfigException("backend must be set");
        }
        samplers = List.copyOf(samplers == null ? List.of() : samplers);
        for (String s : samplers) {
            try {
                SamplerKind.parse(s);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new WorkerConfigException("samplers: unknown sampler '" + s + "' (lcm or dpm-solver)");
            }
        }
        if (warmupSize < 1 || warmupSize > 4096) {
            throw new WorkerConfigException("warmupSize must be 1..4096 pixels, not " + warmupSize);
        }
        if (storage == null) {
            throw new WorkerConfigException("storage must be set");
        }
        if (previewEverySteps < 0) {
            throw new WorkerConfigException("previewEverySteps must be >= 0 (0 = no previews), not " + previewEverySteps);
        }
        requireNonNegative(progressInterval, "progressInterval");
        requirePositive(renewInterval, "renewInterval");
        requirePositive(pollTimeout, "pollTimeout");
        if (deliveryLimit < 1 || deliveryLimit > 10) {
            throw new WorkerConfigException("deliveryLimit must be 1..10 (the broker caps deliveries at 10), not "
                    + deliveryLimit);
        }
        requireNonNegative(retryBackoff, "retryBackoff");
        requireNonNegative(gracePeriod, "gracePeriod");
    }

    /**
     * Production defaults: a random worker id, the standard topics, backend {@code auto}, the
     * folder's own sampler, 512-pixel warm-up, a preview every 5th progress event at most every
     * 500 ms, lock renewed every 10 s (a third of the default 30 s lock), delivery limit 4 (one
     * below the broker's 5), 2 s backoff, 60 s grace.
     */
    public static WorkerConfig defaults(String bootstrapServers, String pool, Path modelDir, S3Config storage) {
        String name = modelDir == null || modelDir.getFileName() == null ? null : modelDir.getFileName().toString();
        return new WorkerConfig(bootstrapServers, pool, "worker-" + UUID.randomUUID().toString().substring(0, 8),
                WorkerTopics.standard(), modelDir, name, Backend.AUTO, List.of(), 512, storage, 5,
                Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofMillis(500), 4, Duration.ofSeconds(2),
                Duration.ofSeconds(60));
    }

    /**
     * Reads a configuration from environment-style keys (the process environment, or a properties
     * file with the same keys): {@code LUMEN_KAFKA_BOOTSTRAP}, {@code LUMEN_POOL},
     * {@code LUMEN_MODEL_DIR} and {@code LUMEN_S3_ENDPOINT}, {@code LUMEN_S3_ACCESS_KEY},
     * {@code LUMEN_S3_SECRET_KEY}, {@code LUMEN_S3_BUCKET} are required; {@code LUMEN_MODEL_NAME},
     * {@code LUMEN_WORKER_ID}, {@code LUMEN_TOPIC_PREFIX}, {@code LUMEN_BACKEND},
     * {@code LUMEN_SAMPLERS} (comma-separated), {@code LUMEN_WARMUP_SIZE}, {@code LUMEN_S3_REGION},
     * {@code LUMEN_PREVIEW_EVERY_STEPS}, {@code LUMEN_PROGRESS_INTERVAL_MS},
     * {@code LUMEN_RENEW_INTERVAL_MS}, {@code LUMEN_POLL_TIMEOUT_MS}, {@code LUMEN_DELIVERY_LIMIT},
     * {@code LUMEN_RETRY_BACKOFF_MS} and {@code LUMEN_GRACE_PERIOD_MS} override the defaults.
     */
    public static WorkerConfig fromEnv(Map<String, String> env) {
        S3Config s3;
        try {
            s3 = new S3Config(URI.create(required(env, "LUMEN_S3_ENDPOINT")),
                    env.getOrDefault("LUMEN_S3_REGION", S3Config.DEFAULT_REGION),
                    required(env, "LUMEN_S3_ACCESS_KEY"), required(env, "LUMEN_S3_SECRET_KEY"),
                    required(env, "LUMEN_S3_BUCKET"), S3Config.DEFAULT_CONNECT_TIMEOUT, S3Config.DEFAULT_IO_TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new WorkerConfigException("storage settings: " + e.getMessage(), e);
        }
        WorkerConfig d = defaults(required(env, "LUMEN_KAFKA_BOOTSTRAP"), required(env, "LUMEN_POOL"),
                Path.of(required(env, "LUMEN_MODEL_DIR")), s3);
        List<String> samplers = env.containsKey("LUMEN_SAMPLERS")
                ? Arrays.stream(env.get("LUMEN_SAMPLERS").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()
                : d.samplers();
        return new WorkerConfig(d.bootstrapServers(), d.pool(), env.getOrDefault("LUMEN_WORKER_ID", d.workerId()),
                new WorkerTopics(env.getOrDefault("LUMEN_TOPIC_PREFIX", "")), d.modelDir(),
                env.getOrDefault("LUMEN_MODEL_NAME", d.modelName()),
                env.containsKey("LUMEN_BACKEND") ? Backend.parse(env.get("LUMEN_BACKEND")) : d.backend(), samplers,
                integer(env, "LUMEN_WARMUP_SIZE", d.warmupSize()), s3,
                integer(env, "LUMEN_PREVIEW_EVERY_STEPS", d.previewEverySteps()),
                millis(env, "LUMEN_PROGRESS_INTERVAL_MS", d.progressInterval()),
                millis(env, "LUMEN_RENEW_INTERVAL_MS", d.renewInterval()),
                millis(env, "LUMEN_POLL_TIMEOUT_MS", d.pollTimeout()),
                integer(env, "LUMEN_DELIVERY_LIMIT", d.deliveryLimit()),
                millis(env, "LUMEN_RETRY_BACKOFF_MS", d.retryBackoff()),
                millis(env, "LUMEN_GRACE_PERIOD_MS", d.gracePeriod()));
    }

    public WorkerConfig withWorkerId(String value) {
        return new WorkerConfig(bootstrapServers, pool, value, topics, modelDir, modelName, backend, samplers, warmupSize,
                storage, previewEverySteps, progressInterval, renewInterval, pollTimeout, deliveryLimit, retryBackoff,
                gracePeriod);
    }

    public WorkerConfig withTopics(WorkerTopics value) {
        return new WorkerConfig(bootstrapServers, pool, workerId, value, modelDir, modelName, backend, samplers, warmupSize,
                storage, previewEverySteps, progressInterval, renewInterval, pollTimeout, deliveryLimit, retryBackoff,
                gracePeriod);
    }

    public WorkerConfig withModel(String name, Backend engineBackend, List<String> servedSamplers, int warmup) {
        return new WorkerConfig(bootstrapServers, pool, workerId, topics, modelDir, name, engineBackend, servedSamplers,
                warmup, storage, previewEverySteps, progressInterval, renewInterval, pollTimeout, deliveryLimit,
                retryBackoff, gracePeriod);
    }

    public WorkerConfig withProgress(int everySteps, Duration interval) {
        return new WorkerConfig(bootstrapServers, pool, workerId, topics, modelDir, modelName, backend, samplers,
                warmupSize, storage, everySteps, interval, renewInterval, pollTimeout, deliveryLimit, retryBackoff,
                gracePeriod);
    }

    public WorkerConfig withDelivery(Duration renew, int limit, Duration backoff, Duration grace) {
        return new WorkerConfig(bootstrapServers, pool, workerId, topics, modelDir, modelName, backend, samplers,
                warmupSize, storage, previewEverySteps, progressInterval, renew, pollTimeout, limit, backoff, grace);
    }

    /** Upper bound on images per job: one object key per image index. */
    static int maxImagesPerJob() {
        return ImageKeys.MAX_INDEX + 1;
    }

    @Override
    public String toString() {
        // S3Config's own toString leaves the secret out.
        return "WorkerConfig[bootstrapServers=" + bootstrapServers + ", pool=" + pool + ", workerId=" + workerId
                + ", topics=" + topics + ", modelDir=" + modelDir + ", modelName=" + modelName + ", backend=" + backend
                + ", samplers=" + samplers + ", warmupSize=" + warmupSize + ", storage=" + storage
                + ", previewEverySteps=" + previewEverySteps + ", progressInterval=" + progressInterval
                + ", renewInterval=" + renewInterval + ", pollTimeout=" + pollTimeout + ", deliveryLimit=" + deliveryLimit
                + ", retryBackoff=" + retryBackoff + ", gracePeriod=" + gracePeriod + "]";
    }

    private static String required(Map<String, String> env, String key) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            throw new WorkerConfigException(key + " must be set");
        }
        return value.strip();
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new WorkerConfigException(key + " must be an integer, not '" + value + "'");
        }
    }

    private static Duration millis(Map<String, String> env, String key, Duration fallback) {
        return env.containsKey(key) ? Duration.ofMillis(integer(env, key, 0)) : fallback;
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new WorkerConfigException(name + " must be set");
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new WorkerConfigException(name + " must be a positive duration, not " + value);
        }
    }

    private static void requireNonNegative(Duration value, String name) {
        if (value == null || value.isNegative()) {
            throw new WorkerConfigException(name + " must be zero or positive, not " + value);
        }
    }
}
