package dev.lumen.gateway.jobs;

import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Topics;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.auth.ApiKey;
import dev.lumen.gateway.auth.ApiKeyHashes;
import dev.lumen.gateway.auth.RateLimiter;
import dev.lumen.gateway.errors.ApiException;
import dev.lumen.gateway.errors.ProblemType;
import dev.lumen.gateway.kafka.KafkaPublisher;
import dev.lumen.gateway.layouts.LayoutServiceClient;
import dev.lumen.observability.JobSpans;
import dev.lumen.observability.LogContext;
import dev.lumen.observability.LumenMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/**
 * Admission and the job lifecycle as the gateway sees it: rate limit, idempotency, quota, then
 * publish {@link JobSubmitted} to {@code lumen.jobs} and answer only once the broker acknowledged
 * it; reads come from the {@link JobView}; cancels become {@link ControlMessage}s. Jobs of other
 * tenants are reported as absent (404), never as forbidden, so ids of other tenants leak nothing.
 *
 * <p>Idempotency: with an {@code Idempotency-Key} the job id is derived from the tenant and the
 * key, so the same key names the same job on every gateway instance and after restarts (the
 * scheduler ignores a resubmitted id) for as long as the job is retained (ADR 0016; after that the
 * key submits a new job). A retry whose request differs (its {@link GenerationSpec})
 * is refused with 422. Without a key the id is random. An omitted seed is derived from the job id,
 * so a retried request yields the same spec, and the same image.
 */
@Service
public class JobService {
    private static final Logger log = LoggerFactory.getLogger(JobService.class);
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final Duration PUBLISH_RETRY_AFTER = Duration.ofSeconds(5);

    private final GatewayProperties properties;
    private final JobView view;
    private final QuotaTracker quota;
    private final RateLimiter rateLimiter;
    private final KafkaPublisher publisher;
    private final LayoutServiceClient layouts;
    private final MeterRegistry registry;
    private final OpenTelemetry otel;
    private final Clock clock = Clock.systemUTC();

    public JobService(GatewayProperties properties, JobView view, QuotaTracker quota, RateLimiter rateLimiter,
                      KafkaPublisher publisher, LayoutServiceClient layouts, MeterRegistry registry,
                      OpenTelemetry otel) {
        this.otel = otel;
        this.properties = properties;
        this.view = view;
        this.quota = quota;
        this.rateLimiter = rateLimiter;
        this.publisher = publisher;
        this.layouts = layouts;
        this.registry = registry;
        Gauge.builder("lumen.gateway.jobs.known", view, JobView::size)
                .description("Jobs held in the gateway's job-state view").register(registry);
        // Queue depth as the gateway sees it (the scheduler is the writer of these states).
        for (dev.lumen.contracts.JobStatus status : java.util.List.of(dev.lumen.contracts.JobStatus.ACCEPTED,
                dev.lumen.contracts.JobStatus.QUEUED, dev.lumen.contracts.JobStatus.RUNNING)) {
            Gauge.builder("lumen.gateway.jobs", view, v -> v.count(status)).tag("status", status.wire())
                    .description("Jobs per non-terminal status in the gateway's job-state view").register(registry);
        }
    }

    /** The outcome of a submission: the job, and whether it existed already (an idempotent replay). */
    public record Submission(JobState job, boolean replayed) {
    }

    /** Takes a submission token from the key's bucket, or fails with 429 and Retry-After. */
    public void checkRate(ApiKey key) {
        Duration wait = rateLimiter.tryAcquire(key);
        if (wait != null) {
            LumenMetrics.rateLimitRejections(registry, "rate").increment();
            throw new ApiException(ProblemType.RATE_LIMITED, "API key \"" + key.name() + "\" is over its rate of "
                    + key.ratePerSecond() + " submissions/s (burst " + key.burst() + ")", Map.of(), wait);
        }
    }

    /** The trace context the caller sent ({@code traceparent}), the parent of the job's first span. */
    public Context remoteParent(org.springframework.web.server.ServerWebExchange exchange) {
        return dev.lumen.gateway.observability.TracingConfiguration.remoteParent(otel, exchange.getRequest().getHeaders());
    }

    /** Validates an {@code Idempotency-Key} header value; {@code null} means none. */
    public static String checkIdempotencyKey(String header) {
        if (header != null && !IDEMPOTENCY_KEY.matcher(header).matches()) {
            throw ApiException.invalid("Idempotency-Key", "must be 1-255 visible ASCII characters");
        }
        return header;
    }

    /**
     * Submits a job. Completes once {@code lumen.jobs} acknowledged it (or at once for an
     * idempotent replay); fails with 422 on a reused key, 429 over quota, 503 if Kafka is away.
     * With {@code "layout": "auto"} layout-service plans the layout first, and the job carries the
     * planned layout (so its state shows the boxes used); if planning fails, nothing is queued.
     * Planning is deterministic, so a retried request with the same Idempotency-Key plans the same
     * layout and finds the same job. {@code trace} is the caller's trace context (from its
     * {@code traceparent} header, else the root): the job's trace starts there with a PRODUCER span
     * whose context rides in the {@code lumen.jobs} record's headers.
     */
    public Mono<Submission> submit(ApiKey key, GenerationRequest request, String idempotencyKey, String api, Context trace) {
        if (!request.autoLayout()) {
            return submitPlanned(key, request, idempotencyKey, api, trace);
        }
        return layouts.plan(request.prompt(), request.width(), request.height(), properties.limits().layoutLimits())
                .flatMap(plan -> {
                    log.atInfo().addKeyValue("tenant", key.tenant()).addKeyValue("regions", plan.layout().regions().size())
                            .addKeyValue("warnings", plan.warnings()).log("layout planned for \"auto\"");
                    return submitPlanned(key, request.withLayout(plan.layout()), idempotencyKey, api, trace);
                });
    }

    private Mono<Submission> submitPlanned(ApiKey key, GenerationRequest request, String idempotencyKey, String api,
                                           Context trace) {
        String jobId = idempotencyKey != null
                ? "job_" + ApiKeyHashes.sha256(key.tenant() + "\u0000" + idempotencyKey).substring(0, 40)
                : "job_" + UUID.randomUUID().toString().replace("-", "");
        long seed = request.seed() != null ? request.seed() : seedOf(jobId);
        GenerationSpec spec = request.toSpec(seed);

        JobState existing = view.get(jobId).orElse(null);
        if (existing != null) {
            return Mono.just(replay(existing, spec, idempotencyKey));
        }
        if (!quota.reserve(key, jobId)) {
            LumenMetrics.rateLimitRejections(registry, "quota").increment();
            throw new ApiException(ProblemType.QUOTA_EXCEEDED, "API key \"" + key.name() + "\" has "
                    + key.maxActiveJobs() + " unfinished jobs, its maximum; wait for one to finish",
                    Map.of("max_active_jobs", key.maxActiveJobs()), properties.quotaRetryAfter());
        }
        Instant now = clock.instant();
        JobState provisional = new JobState(JobState.SCHEMA, jobId, key.tenant(), JobStatus.ACCEPTED, spec, now, now, 0,
                null, null, null, null, null, null);
        JobState current = view.putProvisional(provisional);
        if (current != provisional) {
            // A concurrent request with the same key got there first.
            return Mono.just(replay(current, spec, idempotencyKey));
        }
        JobSubmitted submitted = new JobSubmitted(jobId, key.tenant(), spec, now, null, idempotencyKey, null);
        Span span = JobSpans.kafka(otel.getTracer(dev.lumen.observability.Telemetry.SCOPE), "send",
                publisher.topic(Topics.JOBS), trace, java.util.List.of(jobId));
        span.setAttribute("lumen.api", api);
        return publisher.publish(Topics.JOBS, jobId, submitted, trace.with(span))
                .map(metadata -> {
                    accepted(api).increment();
                    span.end();
                    try (LogContext l = LogContext.job(jobId, span)) {
                        log.atInfo().addKeyValue("jobId", jobId).addKeyValue("tenant", key.tenant())
                                .addKeyValue("key", key.name()).addKeyValue("model", spec.model()).addKeyValue("n", spec.n())
                                .addKeyValue("api", api).log("job accepted");
                    }
                    return new Submission(provisional, false);
                })
                .onErrorMap(e -> !(e instanceof ApiException), e -> {
                    view.removeProvisional(provisional);
                    quota.release(jobId);
                    span.setStatus(StatusCode.ERROR, e.toString());
                    span.end();
                    try (LogContext l = LogContext.job(jobId, span)) {
                        log.atWarn().addKeyValue("jobId", jobId).addKeyValue("error", e.toString())
                                .log("job not accepted: publishing to lumen.jobs failed");
                    }
                    return new ApiException(ProblemType.UNAVAILABLE, "the job queue is not reachable; nothing was"
                            + " accepted, retry later" + (idempotencyKey != null ? " with the same Idempotency-Key" : ""),
                            Map.of(), PUBLISH_RETRY_AFTER);
                });
    }

    private Submission replay(JobState existing, GenerationSpec spec, String idempotencyKey) {
        if (idempotencyKey == null || !existing.spec().equals(spec)) {
            throw new ApiException(ProblemType.IDEMPOTENCY_KEY_REUSE, "Idempotency-Key was already used for job "
                    + existing.jobId() + " with a different request; use a new key for a new request",
                    Map.of("job_id", existing.jobId()), null);
        }
        try (LogContext l = LogContext.job(existing.jobId())) {
            log.atDebug().addKeyValue("jobId", existing.jobId()).log("idempotent replay");
        }
        return new Submission(existing, true);
    }

    /** The caller's tenant's {@code limit} newest jobs, newest first. */
    public List<JobState> recent(ApiKey key, int limit) {
        return view.recent(key.tenant(), limit);
    }

    /** The job if it exists and belongs to the caller's tenant; otherwise 404 (never 403). */
    public JobState get(ApiKey key, String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw ApiException.notFound("no job " + clip(jobId));
        }
        return view.get(jobId).filter(s -> s.tenant().equals(key.tenant()))
                .orElseThrow(() -> ApiException.notFound("no job " + jobId));
    }

    /** Publishes a cancel for the caller's job; 409 if it already finished. */
    public Mono<JobState> cancel(ApiKey key, String jobId) {
        JobState job = get(key, jobId);
        if (job.status().terminal()) {
            throw new ApiException(ProblemType.JOB_NOT_CANCELLABLE, "job " + jobId + " is already " + job.status().wire());
        }
        ControlMessage cancel = new ControlMessage(ControlMessage.Type.CANCEL, jobId, job.tenant(), clock.instant());
        return publisher.publish(Topics.CONTROL, jobId, cancel)
                .map(m -> {
                    try (LogContext l = LogContext.job(jobId)) {
                        log.atInfo().addKeyValue("jobId", jobId).addKeyValue("tenant", key.tenant()).log("cancel requested");
                    }
                    return job;
                })
                .onErrorMap(e -> !(e instanceof ApiException), e -> new ApiException(ProblemType.UNAVAILABLE,
                        "the control topic is not reachable; retry the cancel later", Map.of(), PUBLISH_RETRY_AFTER));
    }

    /** A seed from the job id: random for random ids, stable for idempotent retries; within 0..2^53. */
    static long seedOf(String jobId) {
        String hex = ApiKeyHashes.sha256(jobId).substring(0, 13);
        return Long.parseLong(hex, 16) & ((1L << 52) - 1);
    }

    private Counter accepted(String api) {
        return Counter.builder("lumen.gateway.jobs.accepted").description("Jobs acknowledged by lumen.jobs")
                .tag("api", api).register(registry);
    }

    private static String clip(String id) {
        if (id == null) {
            return "null";
        }
        return id.length() <= 64 ? id : id.substring(0, 64) + "…";
    }
}
