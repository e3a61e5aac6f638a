package dev.lumen.scheduler.jobs;

/**
 * The result of applying one input to a job: the job before and after, and, when the job ended
 * as poison (a non-retryable failure, or out of attempts), why it goes to the dead-letter topic.
 * An input that changes nothing (a replay, a late event) yields {@code before == after}.
 */
public record Transition(Job before, Job after, String deadLetterReason) {

    public static Transition none(Job job) {
        return new Transition(job, job, null);
    }

    public boolean changed() {
        return !before.equals(after);
    }
}
