package dev.lumen.worker;

/**
 * Counters of what a worker did with the task records it received, since it started: accepted
 * (done or cancelled), released (transient failure or stop), rejected (poison or past the delivery
 * limit), lock renewals sent, and devices reopened after a device loss. For metrics and tests; a
 * snapshot, not live.
 */
public record WorkerStats(long accepted, long released, long rejected, long renewals, long deviceRecoveries) {
}
