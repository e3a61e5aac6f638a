package dev.lumen.worker;

/**
 * How a task ended on the engine thread; the consumer thread turns it into an acknowledgement.
 * Done → ACCEPT; Transient → RELEASE (or REJECT at the delivery limit); Poison → REJECT;
 * Aborted (the worker is stopping) → RELEASE without events.
 */
sealed interface TaskOutcome {

    /** Every job completed or was cancelled; their events are written. */
    record Done(int completed, int cancelled) implements TaskOutcome {
    }

    /** A failure a later attempt may not meet (storage away, device lost, broker hiccup). */
    record Transient(String code, String message, boolean deviceLost) implements TaskOutcome {
    }

    /** A task no attempt can run (invalid spec, a model or sampler this pool does not serve). */
    record Poison(String code, String message) implements TaskOutcome {
    }

    /** Stopped on purpose (shutdown past its grace period, or the lock was lost): nothing to report. */
    record Aborted(String why) implements TaskOutcome {
    }
}
