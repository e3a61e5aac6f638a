package dev.lumen.scheduler;

import dev.lumen.contracts.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the scheduler is told, validated on construction.
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param groupId the consumer group of all scheduler instances; they split the partitions of
 *                {@code lumen.jobs} (and the same partition numbers of events and control)
 * @param topics topic names
 * @param poolsByModel the worker pool serving each model name
 * @param defaultPool the pool for models not in the map; {@code null} rejects such jobs
 * @param maxBatchSize most jobs (with equal batch keys) in one task
 * @param maxInFlightTasksPerPool tasks handed to a pool and not finished yet; about the pool's
 *                                worker count, so the backlog stays here where fairness applies
 * @param maxQueuedPerTenant queued (not yet dispatched) jobs one tenant may have; more are rejected
 * @param maxAttempts dispatches per job, retries included (1 = no retry)
 * @param defaultJobTimeout deadline of a job that brings none, counted from its submission
 * @param cancelTimeout how long a running job waits for its worker to confirm a cancel
 * @param jobRetention how long a finished job (succeeded, failed, cancelled, expired) is kept after
 *                     its last update; then it is tombstoned on {@code lumen.job-state} and
 *                     forgotten, and a submission older than this is ignored as a replay (ADR 0016);
 *                     at least {@code defaultJobTimeout}, so such a submission is past its deadline anyway
 * @param pollTimeout longest wait in one poll; bounds how late timers fire
 */
public record SchedulerConfig(String bootstrapServers, String groupId, SchedulerTopics topics,
                              Map<String, String> poolsByModel, String defaultPool, int maxBatchSize,
                              int maxInFlightTasksPerPool, int maxQueuedPerTenant, int maxAttempts,
                              Duration defaultJobTimeout, Duration cancelTimeout, Duration jobRetention,
                              Duration pollTimeout) {

    /** How long finished jobs are kept unless told otherwise: a week, long enough to fetch results after a weekend. */
    public static final Duration DEFAULT_JOB_RETENTION = Duration.ofDays(7);

    public SchedulerConfig {
        requireText(bootstrapServers, "bootstrapServers");
        requireText(groupId, "groupId");
        if (topics == null) {
            throw new SchedulerConfigException("topics must be set");
        }
        poolsByModel = Map.copyOf(poolsByModel == null ? Map.of() : poolsByModel);
        poolsByModel.values().forEach(SchedulerConfig::requirePoolName);
        if (defaultPool != null) {
            requirePoolName(defaultPool);
        }
        if (poolsByModel.isEmpty() && defaultPool == null) {
            throw new SchedulerConfigException("poolsByModel is empty and there is no defaultPool: no job could run");
        }
        requireAtLeast(maxBatchSize, 1, "maxBatchSize");
        requireAtLeast(maxInFlightTasksPerPool, 1, "maxInFlightTasksPerPool");
        requireAtLeast(maxQueuedPerTenant, 1, "maxQueuedPerTenant");
        requireAtLeast(maxAttempts, 1, "maxAttempts");
        requirePositive(defaultJobTimeout, "defaultJobTimeout");
        requirePositive(cancelTimeout, "cancelTimeout");
        requirePositive(jobRetention, "jobRetention");
        if (jobRetention.compareTo(defaultJobTimeout) < 0) {
            // Submissions older than the retention are ignored as replays; that is only safe when a
            // job that old is past its deadline anyway.
            throw new SchedulerConfigException("jobRetention (" + jobRetention + ") must be at least defaultJobTimeout ("
                    + defaultJobTimeout + "): submissions older than the retention are ignored as replays");
        }
        requirePositive(pollTimeout, "pollTimeout");
    }

    /** Reasonable settings for one pool serving every model; change them with the {@code with…} methods. */
    public static SchedulerConfig defaults(String bootstrapServers, String pool) {
        return new SchedulerConfig(bootstrapServers, "lumen-scheduler", SchedulerTopics.standard(), Map.of(), pool,
                8, 4, 100, 3, Duration.ofMinutes(10), Duration.ofSeconds(30), DEFAULT_JOB_RETENTION, Duration.ofMillis(200));
    }

    /** The pool that serves {@code model}, if any. */
    public Optional<String> poolFor(String model) {
        return Optional.ofNullable(poolsByModel.getOrDefault(model, defaultPool));
    }

    public SchedulerConfig withGroupId(String value) {
        return new SchedulerConfig(bootstrapServers, value, topics, poolsByModel, defaultPool, maxBatchSize,
                maxInFlightTasksPerPool, maxQueuedPerTenant, maxAttempts, defaultJobTimeout, cancelTimeout, jobRetention, pollTimeout);
    }

    public SchedulerConfig withTopics(SchedulerTopics value) {
        return new SchedulerConfig(bootstrapServers, groupId, value, poolsByModel, defaultPool, maxBatchSize,
                maxInFlightTasksPerPool, maxQueuedPerTenant, maxAttempts, defaultJobTimeout, cancelTimeout, jobRetention, pollTimeout);
    }

    public SchedulerConfig withPools(Map<String, String> byModel, String fallback) {
        return new SchedulerConfig(bootstrapServers, groupId, topics, byModel, fallback, maxBatchSize,
                maxInFlightTasksPerPool, maxQueuedPerTenant, maxAttempts, defaultJobTimeout, cancelTimeout, jobRetention, pollTimeout);
    }

    public SchedulerConfig withLimits(int batchSize, int inFlightTasksPerPool, int queuedPerTenant, int attempts) {
        return new SchedulerConfig(bootstrapServers, groupId, topics, poolsByModel, defaultPool, batchSize,
                inFlightTasksPerPool, queuedPerTenant, attempts, defaultJobTimeout, cancelTimeout, jobRetention, pollTimeout);
    }

    public SchedulerConfig withTimeouts(Duration jobTimeout, Duration cancel) {
        return withTimeouts(jobTimeout, cancel, jobRetention);
    }

    /**
     * The job timeout, cancel timeout and retention together: the retention must cover the job
     * timeout, so setting them one after the other could refuse a valid pair on the way.
     */
    public SchedulerConfig withTimeouts(Duration jobTimeout, Duration cancel, Duration retention) {
        return new SchedulerConfig(bootstrapServers, groupId, topics, poolsByModel, defaultPool, maxBatchSize,
                maxInFlightTasksPerPool, maxQueuedPerTenant, maxAttempts, jobTimeout, cancel, retention, pollTimeout);
    }

    /** Finished jobs kept this long after their last update, then tombstoned and forgotten. */
    public SchedulerConfig withJobRetention(Duration value) {
        return withTimeouts(defaultJobTimeout, cancelTimeout, value);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new SchedulerConfigException(name + " must be set");
        }
    }

    private static void requirePoolName(String pool) {
        try {
            Topics.tasks(pool);
        } catch (IllegalArgumentException e) {
            throw new SchedulerConfigException("invalid pool name: " + e.getMessage());
        }
    }

    private static void requireAtLeast(int value, int min, String name) {
        if (value < min) {
            throw new SchedulerConfigException(name + " must be >= " + min + ", not " + value);
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new SchedulerConfigException(name + " must be a positive duration, not " + value);
        }
    }
}
