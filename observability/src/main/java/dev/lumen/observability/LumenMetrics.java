package dev.lumen.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;

/**
 * The names, labels and histogram buckets of Lumen's own metrics, in one place so every service
 * spells them the same way and the Helm chart's queries, the KEDA trigger and the Grafana
 * dashboard can rely on them (platform-anchors §6.2). Names are Micrometer's dotted form; the
 * Prometheus registry renders {@code lumen.job.queue.time} as {@code lumen_job_queue_time_seconds}
 * ({@code _bucket}, {@code _count}, {@code _sum}) and counters with {@code _total}. Labels stay
 * low-cardinality: pool, model, priority, outcome, reason, backend, never job ids or tenants.
 *
 * <p>Latency histograms have explicit buckets (not Micrometer's ~70 default ones) spanning what
 * each stage takes: milliseconds for a denoising step, up to half an hour for a job.
 */
public final class LumenMetrics {
    /** Gauge {@code lumen_jobs_queued{pool,model,priority}}: accepted jobs not yet dispatched (the autoscaling signal). */
    public static final String JOBS_QUEUED = "lumen.jobs.queued";
    /** Gauge {@code lumen_jobs_running{pool,model,priority}}: jobs dispatched to a worker and not yet finished. */
    public static final String JOBS_RUNNING = "lumen.jobs.running";
    /** Histogram {@code lumen_job_queue_time_seconds{pool,model,priority}}: acceptance to dispatch. */
    public static final String JOB_QUEUE_TIME = "lumen.job.queue.time";
    /** Histogram {@code lumen_job_e2e_latency_seconds{pool,model,outcome}}: acceptance to a terminal state. */
    public static final String JOB_E2E_LATENCY = "lumen.job.e2e.latency";
    /** Counter {@code lumen_jobs_total{pool,model,outcome}}: jobs that reached a terminal state. */
    public static final String JOBS = "lumen.jobs";
    /**
     * Counter {@code lumen_jobs_purged_total{outcome}}: finished jobs forgotten (and tombstoned)
     * after the scheduler's job retention.
     */
    public static final String JOBS_PURGED = "lumen.jobs.purged";
    /** Gauge {@code lumen_scheduler_jobs_known}: jobs a scheduler instance holds, finished ones within their retention included. */
    public static final String SCHEDULER_JOBS_KNOWN = "lumen.scheduler.jobs.known";
    /** Histogram {@code lumen_job_inference_time_seconds{pool,model,steps,resolution}}: the engine's time for one job. */
    public static final String JOB_INFERENCE_TIME = "lumen.job.inference.time";
    /** Histogram {@code lumen_denoise_step_seconds{pool,model,backend}}: one denoising step of a job's batch. */
    public static final String DENOISE_STEP = "lumen.denoise.step";
    /** Counter {@code lumen_job_deliveries_total{pool}}: task records a worker received. */
    public static final String JOB_DELIVERIES = "lumen.job.deliveries";
    /**
     * Counter {@code lumen_job_redeliveries_total{pool,reason}}: task records received again
     * ({@code reason} = {@code lock_expired} when the worker saw its own lock lapse, else
     * {@code redelivered}: released by a worker or its lock expired elsewhere).
     */
    public static final String JOB_REDELIVERIES = "lumen.job.redeliveries";
    /** Counter {@code lumen_images_generated_total{pool,model}}. */
    public static final String IMAGES_GENERATED = "lumen.images.generated";
    /** Histogram {@code lumen_model_load_seconds{model}}: loading and warming up a worker's model. */
    public static final String MODEL_LOAD = "lumen.model.load";
    /** Gauge {@code lumen_models_loaded{model}}: 1 while a worker holds the model. */
    public static final String MODELS_LOADED = "lumen.models.loaded";
    /** Histogram {@code lumen_storage_put_seconds{outcome}}: one object upload (success or failure). */
    public static final String STORAGE_PUT = "lumen.storage.put";
    /** Counter {@code lumen_ratelimit_rejections_total{reason}}: submissions refused with 429 ({@code rate}, {@code quota}). */
    public static final String RATELIMIT_REJECTIONS = "lumen.ratelimit.rejections";

    /** Outcome label values of {@link #JOBS} and {@link #JOB_E2E_LATENCY}: the terminal job states. */
    public static final String OUTCOME_SUCCEEDED = "succeeded";

    private static final Duration[] STEP_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private static final Duration[] JOB_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
            1800);
    private static final Duration[] IO_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private static final Duration[] LOAD_BUCKETS = seconds(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200);

    private LumenMetrics() {
    }

    public static Timer queueTime(MeterRegistry registry, String pool, String model, int priority) {
        return timer(JOB_QUEUE_TIME, "Time from acceptance to dispatch to a worker pool", JOB_BUCKETS)
                .tags(Tags.of("pool", pool, "model", model, "priority", Integer.toString(priority))).register(registry);
    }

    public static Timer e2eLatency(MeterRegistry registry, String pool, String model, String outcome) {
        return timer(JOB_E2E_LATENCY, "Time from acceptance to the job's terminal state", JOB_BUCKETS)
                .tags(Tags.of("pool", pool, "model", model, "outcome", outcome)).register(registry);
    }

    public static Counter jobs(MeterRegistry registry, String pool, String model, String outcome) {
        return Counter.builder(JOBS).description("Jobs that reached a terminal state")
                .tags(Tags.of("pool", pool, "model", model, "outcome", outcome)).register(registry);
    }

    public static Counter jobsPurged(MeterRegistry registry, String outcome) {
        return Counter.builder(JOBS_PURGED).description("Finished jobs forgotten after the job retention")
                .tags(Tags.of("outcome", outcome)).register(registry);
    }

    public static Timer inferenceTime(MeterRegistry registry, String pool, String model, int steps, int width, int height) {
        return timer(JOB_INFERENCE_TIME, "Engine time of one job (text encoding, denoising, decoding)", JOB_BUCKETS)
                .tags(Tags.of("pool", pool, "model", model, "steps", Integer.toString(steps),
                        "resolution", resolutionClass(width, height)))
                .register(registry);
    }

    public static Timer denoiseStep(MeterRegistry registry, String pool, String model, String backend) {
        return timer(DENOISE_STEP, "One denoising step of a job's batch", STEP_BUCKETS)
                .tags(Tags.of("pool", pool, "model", model, "backend", backend)).register(registry);
    }

    public static Counter deliveries(MeterRegistry registry, String pool) {
        return Counter.builder(JOB_DELIVERIES).description("Task records received by workers")
                .tag("pool", pool).register(registry);
    }

    public static Counter redeliveries(MeterRegistry registry, String pool, String reason) {
        return Counter.builder(JOB_REDELIVERIES).description("Task records received again after an earlier delivery")
                .tags(Tags.of("pool", pool, "reason", reason)).register(registry);
    }

    public static Counter imagesGenerated(MeterRegistry registry, String pool, String model) {
        return Counter.builder(IMAGES_GENERATED).description("Images generated and stored")
                .tags(Tags.of("pool", pool, "model", model)).register(registry);
    }

    public static Timer modelLoad(MeterRegistry registry, String model) {
        return timer(MODEL_LOAD, "Loading and warming up a worker's model", LOAD_BUCKETS)
                .tag("model", model).register(registry);
    }

    public static Timer storagePut(MeterRegistry registry, String outcome) {
        return timer(STORAGE_PUT, "One object upload to the image store", IO_BUCKETS)
                .tag("outcome", outcome).register(registry);
    }

    public static Counter rateLimitRejections(MeterRegistry registry, String reason) {
        return Counter.builder(RATELIMIT_REJECTIONS).description("Submissions refused with 429")
                .tag("reason", reason).register(registry);
    }

    /**
     * The resolution label: the longer side rounded up to 256, 512, 1024 or 2048 (above that,
     * "4096"), so the label stays a handful of values whatever sizes clients ask for.
     */
    public static String resolutionClass(int width, int height) {
        int side = Math.max(width, height);
        for (int c : new int[] {256, 512, 1024, 2048}) {
            if (side <= c) {
                return Integer.toString(c);
            }
        }
        return "4096";
    }


    private static Timer.Builder timer(String name, String description, Duration[] buckets) {
        return Timer.builder(name).description(description).serviceLevelObjectives(buckets);
    }

    private static Duration[] seconds(double... values) {
        return Arrays.stream(values).mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
    }
}
