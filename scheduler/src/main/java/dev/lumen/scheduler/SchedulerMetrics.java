package dev.lumen.scheduler;

import dev.lumen.observability.LumenMetrics;
import dev.lumen.scheduler.SchedulerCore.ActiveKey;
import dev.lumen.scheduler.jobs.Job;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler's metrics. It is the single writer of job state, so it counts each job's queue
 * time, end-to-end latency and outcome exactly once, and it holds the queues, so its
 * {@code lumen_jobs_queued} / {@code lumen_jobs_running} gauges are the autoscaling signal (summed
 * over scheduler instances, each of which owns a share of the jobs). Gauges read a snapshot the
 * loop thread refreshes after every turn, never the loop's own maps.
 */
final class SchedulerMetrics implements SchedulerCore.Observer {
    private final MeterRegistry meters;
    private final Map<ActiveKey, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final AtomicLong knownJobs = new AtomicLong();

    SchedulerMetrics(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder(LumenMetrics.SCHEDULER_JOBS_KNOWN, knownJobs, AtomicLong::get)
                .description("Jobs held by this scheduler instance, finished ones within their retention included")
                .register(meters);
    }

    @Override
    public void dispatched(Job job, String pool, Instant now) {
        LumenMetrics.queueTime(meters, pool, job.spec().model(), job.spec().priority())
                .record(nonNegative(Duration.between(job.state().createdAt(), now)));
    }

    @Override
    public void finished(Job job, String pool, Instant now) {
        String outcome = job.status().wire();
        LumenMetrics.jobs(meters, pool, job.spec().model(), outcome).increment();
        LumenMetrics.e2eLatency(meters, pool, job.spec().model(), outcome)
                .record(nonNegative(Duration.between(job.state().createdAt(), now)));
    }

    @Override
    public void purged(Job job, Instant now) {
        LumenMetrics.jobsPurged(meters, job.status().wire()).increment();
    }

    /** Sets every gauge to the current counts; series of keys with no jobs now go to 0 (not away). */
    void refresh(Map<ActiveKey, Long> counts, int known) {
        knownJobs.set(known);
        gauges.forEach((key, value) -> {
            if (!counts.containsKey(key)) {
                value.set(0);
            }
        });
        counts.forEach((key, n) -> gauges.computeIfAbsent(key, this::register).set(n));
    }

    private AtomicLong register(ActiveKey key) {
        AtomicLong value = new AtomicLong();
        String name = key.phase().equals("queued") ? LumenMetrics.JOBS_QUEUED : LumenMetrics.JOBS_RUNNING;
        Gauge.builder(name, value, AtomicLong::get)
                .description(key.phase().equals("queued") ? "Accepted jobs not yet dispatched to a worker"
                        : "Jobs dispatched to a worker and not yet finished")
                .tags(Tags.of("pool", key.pool(), "model", key.model(), "priority", Integer.toString(key.priority())))
                .register(meters);
        return value;
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
