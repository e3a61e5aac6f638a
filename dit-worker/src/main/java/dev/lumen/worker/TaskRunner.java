package dev.lumen.worker;

import dev.lumen.contracts.ErrorInfo;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.TaskMessage;
import dev.lumen.contracts.TaskMessage.TaskJob;
import dev.lumen.contracts.TokenDensityReport;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.engine.image.PngWriter;
import dev.lumen.engine.pipeline.GenerationCancelledException;
import dev.lumen.engine.pipeline.GenerationListener;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.HostTensor;
import dev.lumen.engine.vulkan.VulkanException;
import dev.lumen.observability.JobSpans;
import dev.lumen.observability.LogContext;
import dev.lumen.observability.LumenMetrics;
import dev.lumen.observability.Telemetry;
import dev.lumen.storage.ObjectStore;
import dev.lumen.storage.StorageException;
import dev.lumen.storage.images.ImageKeys;
import dev.lumen.storage.images.ImageMetadata;
import dev.lumen.storage.images.PngText;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task on the engine thread: validates every job, then job by job publishes STARTED,
 * generates (PROGRESS per step, throttled, with a preview now and then), uploads each image and its
 * metadata, and publishes COMPLETED, or CANCELLED when a cancel arrived first. Jobs run one at a
 * time, each as one engine batch of its {@code n} images: jobs of a task share size, steps and
 * sampler, but their seeds must stay their own, and the engine seeds batch items consecutively.
 * Returns how the task ended; it never acknowledges anything itself (the consumer thread does).
 */
final class TaskRunner {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** VK_ERROR_DEVICE_LOST: the device must be recreated, so the process is no longer live. */
    private static final int VK_ERROR_DEVICE_LOST = -4;

    private final WorkerConfig config;
    private final LoadedModel model;
    private final ObjectStore store;
    private final Publisher publisher;
    private final CancelRegistry cancels;
    private final WorkerHooks hooks;
    private final Clock clock;
    private final Telemetry telemetry;
    private volatile boolean bucketReady;

    TaskRunner(WorkerConfig config, LoadedModel model, ObjectStore store, boolean bucketReady, Publisher publisher,
               CancelRegistry cancels, WorkerHooks hooks, Clock clock, Telemetry telemetry) {
        this.bucketReady = bucketReady;
        this.telemetry = telemetry;
        this.config = config;
        this.model = model;
        this.store = store;
        this.publisher = publisher;
        this.cancels = cancels;
        this.hooks = hooks;
        this.clock = clock;
    }

    /**
     * Runs the task. {@code abort} is set by the consumer thread when the worker stops past its
     * grace period or lost the record's lock; the engine then stops at the next step. {@code parent}
     * holds the task's span: each job runs in a child span, current while it runs, so the events it
     * publishes carry it.
     */
    TaskOutcome run(TaskMessage task, BooleanSupplier abort, Context parent) {
        try (Scope scope = parent.makeCurrent();
             LogContext l = LogContext.job(task.jobs().isEmpty() ? null : task.jobs().getFirst().jobId(),
                     Span.fromContext(parent))) {
            return run(task, abort);
        }
    }

    private TaskOutcome run(TaskMessage task, BooleanSupplier abort) {
        try {
            for (TaskJob job : task.jobs()) {
                model.validate(job.spec());
                ImageKeys.jobPrefix(job.tenant(), job.jobId()); // tenant and job id must make valid keys
            }
        } catch (InvalidSpecException e) {
            return new TaskOutcome.Poison(e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return new TaskOutcome.Poison("invalid_task", e.getMessage());
        }
        int completed = 0;
        int cancelled = 0;
        String current = null;
        try {
            for (TaskJob job : task.jobs()) {
                current = job.jobId();
                MDC_JOB.accept(job.jobId());
                if (cancels.isCancelled(job.jobId())) {
                    publisher.event(event(WorkerEvent.Type.CANCELLED, job, task, null, null, null, null, null, null));
                    log.info("job cancelled before start jobId={} taskId={}", job.jobId(), task.taskId());
                    cancelled++;
                    continue;
                }
                if (abort.getAsBoolean()) {
                    return new TaskOutcome.Aborted("stopped before job " + job.jobId());
                }
                if (runJobInSpan(task, job, abort)) {
                    completed++;
                } else {
                    cancelled++;
                }
            }
            return new TaskOutcome.Done(completed, cancelled);
        } catch (Aborted e) {
            log.info("task aborted taskId={} jobId={} reason={}", task.taskId(), current, e.getMessage());
            return new TaskOutcome.Aborted(e.getMessage());
        } catch (InvalidSpecException e) {
            return new TaskOutcome.Poison(e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            // The engine checks its inputs with IllegalArgumentException (size, shapes, steps).
            log.warn("engine rejected the spec taskId={} jobId={} error={}", task.taskId(), current, e.getMessage());
            return new TaskOutcome.Poison("invalid_spec", e.getMessage());
        } catch (StorageException e) {
            log.warn("storage failed taskId={} jobId={} retryable={} error={}", task.taskId(), current, e.retryable(),
                    e.getMessage());
            return e.retryable() ? new TaskOutcome.Transient("storage_unavailable", e.getMessage(), false)
                    : new TaskOutcome.Poison("storage_error", e.getMessage());
        } catch (VulkanException e) {
            boolean lost = e.result().orElse(0) == VK_ERROR_DEVICE_LOST;
            log.error("Vulkan failure taskId={} jobId={} deviceLost={}", task.taskId(), current, lost, e);
            return new TaskOutcome.Transient(lost ? "device_lost" : "device_error", e.getMessage(), lost);
        } catch (PublishException e) {
            log.warn("event not written taskId={} jobId={} error={}", task.taskId(), current, e.getMessage());
            return new TaskOutcome.Transient("broker_unavailable", e.getMessage(), false);
        } catch (RuntimeException e) {
            // Unknown failures are retried elsewhere rather than condemning the task: the delivery
            // limit still dead-letters a task that fails every time.
            log.error("task failed unexpectedly taskId={} jobId={}", task.taskId(), current, e);
            return new TaskOutcome.Transient("internal_error", e.toString(), false);
        }
    }

    /** Runs one job in its own span (current while it runs, so its events carry it) with its id in the MDC. */
    private boolean runJobInSpan(TaskMessage task, TaskJob job, BooleanSupplier abort) {
        Span span = JobSpans.start(telemetry.tracer(), "generate", SpanKind.INTERNAL, Context.current(),
                List.of(job.jobId()));
        span.setAttribute(JobSpans.TASK_ID, task.taskId());
        span.setAttribute(JobSpans.POOL, config.pool());
        try (Scope scope = span.makeCurrent(); LogContext l = LogContext.job(job.jobId(), span)) {
            boolean completed = runJob(task, job, abort);
            span.setAttribute(JobSpans.OUTCOME, completed ? "completed" : "cancelled");
            return completed;
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.toString());
            throw e;
        } finally {
            span.end();
        }
    }

    /** Runs one job; true if it completed, false if it was cancelled. */
    private boolean runJob(TaskMessage task, TaskJob job, BooleanSupplier abort) {
        GenerationSpec spec = job.spec();
        publisher.eventAsync(event(WorkerEvent.Type.STARTED, job, task, null, spec.steps(), null, null, null, null));
        log.info("job started jobId={} taskId={} size={}x{} steps={} n={} sampler={}", job.jobId(), task.taskId(),
                spec.width(), spec.height(), spec.steps(), spec.n(), spec.sampler());
        GenerationResult result;
        try {
            result = model.generate(spec, new Progress(task, job, abort),
                    () -> abort.getAsBoolean() || cancels.isCancelled(job.jobId()));
        } catch (GenerationCancelledException e) {
            if (abort.getAsBoolean()) {
                throw new Aborted("stopped during job " + job.jobId());
            }
            return cancelled(task, job, e.getMessage());
        }
        double engineMs = result.timings().totalMs();
        recordEngineTime(spec, result.timings());
        if (cancels.isCancelled(job.jobId())) {
            return cancelled(task, job, "cancelled after generation, before upload");
        }
        hooks.beforeUpload(job.jobId());
        TokenDensityReport density = EngineDensities.report(spec.tokenDensity(), result.density());
        List<ImageRef> refs;
        Span uploadSpan = JobSpans.start(telemetry.tracer(), "upload images", SpanKind.CLIENT, Context.current(),
                List.of(job.jobId()));
        try (Scope scope = uploadSpan.makeCurrent()) {
            refs = upload(job, result, engineMs, density);
        } catch (RuntimeException e) {
            uploadSpan.setStatus(StatusCode.ERROR, e.toString());
            throw e;
        } finally {
            uploadSpan.end();
        }
        LumenMetrics.imagesGenerated(telemetry.meters(), config.pool(), spec.model()).increment(refs.size());
        publisher.event(new WorkerEvent(WorkerEvent.SCHEMA, WorkerEvent.Type.COMPLETED, job.jobId(), task.taskId(),
                config.workerId(), clock.instant(), spec.steps(), spec.steps(), null, refs, null, engineMs, density));
        log.info("job completed jobId={} taskId={} images={} engineMs={} density=\"{}\" densityFraction={}", job.jobId(),
                task.taskId(), refs.size(), Math.round(engineMs), density == null ? null : density.plan(),
                density == null ? null : String.format(java.util.Locale.ROOT, "%.4f", density.fraction()));
        return true;
    }

    /** The engine's own timings: the whole job and each denoising step (of the job's batch). */
    private void recordEngineTime(GenerationSpec spec, dev.lumen.engine.pipeline.GenerationResult.Timings timings) {
        LumenMetrics.inferenceTime(telemetry.meters(), config.pool(), spec.model(), spec.steps(), spec.width(), spec.height())
                .record(Math.round(timings.totalMs() * 1e6), TimeUnit.NANOSECONDS);
        Timer step = LumenMetrics.denoiseStep(telemetry.meters(), config.pool(), spec.model(), model.backendName());
        for (double ms : timings.stepMs()) {
            step.record(Math.round(ms * 1e6), TimeUnit.NANOSECONDS);
        }
    }

    private boolean cancelled(TaskMessage task, TaskJob job, String why) {
        publisher.event(event(WorkerEvent.Type.CANCELLED, job, task, null, null, null, null, null, null));
        log.info("job cancelled jobId={} taskId={} detail={}", job.jobId(), task.taskId(), why);
        return false;
    }

    /**
     * Uploads image i of the job (seed + i) as PNG with its metadata (the token density that ran
     * included) in text chunks, then the JSON metadata. Keys derive from tenant, job id and index only, so a redelivered task overwrites
     * its earlier upload. The JSON goes last: its presence means the PNG is complete.
     */
    private List<ImageRef> upload(TaskJob job, GenerationResult result, double engineMs, TokenDensityReport density) {
        if (!bucketReady) {
            store.ensureBucket();
            bucketReady = true;
        }
        GenerationSpec spec = job.spec();
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < result.images().size(); i++) {
            HostTensor image = result.images().get(i);
            ImageKeys keys = ImageKeys.of(job.tenant(), job.jobId(), i);
            long t0 = System.nanoTime();
            ImageMetadata pngMeta = ImageMetadata.of(keys, spec, spec.seed() + i, clock.instant(), null, density);
            byte[] png = PngText.write(PngWriter.encode(image, Map.of()), pngMeta.pngText());
            store.put(keys.png(), png, "image/png", Map.of("job-id", job.jobId(), "seed", Long.toString(spec.seed() + i)));
            double uploadMs = (System.nanoTime() - t0) / 1e6;
            ImageMetadata meta = ImageMetadata.of(keys, spec, spec.seed() + i, pngMeta.createdAt(),
                    new ImageMetadata.Timings(null, engineMs, uploadMs), density);
            store.put(keys.metadata(), meta.toJson(), "application/json", Map.of("job-id", job.jobId()));
            refs.add(keys.toRef(image.shape()[1], image.shape()[0]));
        }
        return refs;
    }

    private WorkerEvent event(WorkerEvent.Type type, TaskJob job, TaskMessage task, Integer step, Integer steps,
                              String preview, List<ImageRef> images, ErrorInfo error, Double engineMs) {
        return new WorkerEvent(WorkerEvent.SCHEMA, type, job.jobId(), task.taskId(), config.workerId(), clock.instant(),
                step, steps, preview, images, error, engineMs);
    }

    /**
     * Progress of one job, on the engine thread. An event goes out when {@code progressInterval}
     * has passed since the last one, on the last step, and on every {@code previewEverySteps}-th
     * step, which also carries a preview of the job's first image.
     */
    private final class Progress implements GenerationListener {
        private final TaskMessage task;
        private final TaskJob job;
        private final BooleanSupplier abort;
        private long lastSent = Long.MIN_VALUE / 2;

        Progress(TaskMessage task, TaskJob job, BooleanSupplier abort) {
            this.task = task;
            this.job = job;
            this.abort = abort;
        }

        @Override
        public void afterStep(int step, int steps, int timestep, float[] latents) {
            hooks.afterStep(job.jobId(), step);
            if (abort.getAsBoolean()) {
                // Abandoned (stop past the grace period, lock lost, crash): another worker may own the
                // task by now, and its reports must not be interleaved with stale ones from this run.
                return;
            }
            long now = System.nanoTime();
            int done = step + 1;
            boolean previewDue = config.previewEverySteps() > 0 && done % config.previewEverySteps() == 0
                    && model.preview() != null;
            boolean due = done == steps || previewDue || now - lastSent >= config.progressInterval().toNanos();
            if (!due) {
                return;
            }
            lastSent = now;
            String preview = null;
            if (previewDue) {
                int h = job.spec().height() / model.scaleFactor();
                int w = job.spec().width() / model.scaleFactor();
                preview = Base64.getEncoder().encodeToString(model.preview().png(latents, 0, h, w));
            }
            publisher.eventAsync(event(WorkerEvent.Type.PROGRESS, job, task, done, steps, preview, null, null, null));
        }
    }

    /** Names the job now handled in the MDC, for the lines logged before its span starts. */
    private static final java.util.function.Consumer<String> MDC_JOB = id -> org.slf4j.MDC.put(LogContext.JOB_ID, id);

    /** The worker stops: unwinds the task without reporting anything, so it can be released. */
    private static final class Aborted extends RuntimeException {
        Aborted(String message) {
            super(message, null, false, false);
        }
    }
}
