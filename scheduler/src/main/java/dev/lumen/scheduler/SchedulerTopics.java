package dev.lumen.scheduler;

import dev.lumen.contracts.Topics;

/**
 * The topic names the scheduler reads and writes. {@link #standard()} is Lumen's; {@link #prefixed}
 * puts every name under a prefix, so several installations (or tests) can share one cluster.
 */
public record SchedulerTopics(String prefix) {

    public SchedulerTopics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
            throw new SchedulerConfigException("topic prefix may hold letters, digits, '.', '_' and '-' only: " + prefix);
        }
    }

    public static SchedulerTopics standard() {
        return new SchedulerTopics("");
    }

    public static SchedulerTopics prefixed(String prefix) {
        return new SchedulerTopics(prefix);
    }

    public String jobs() {
        return prefix + Topics.JOBS;
    }

    public String events() {
        return prefix + Topics.EVENTS;
    }

    public String jobState() {
        return prefix + Topics.JOB_STATE;
    }

    public String control() {
        return prefix + Topics.CONTROL;
    }

    public String deadLetter() {
        return prefix + Topics.DEAD_LETTER;
    }

    public String tasks(String pool) {
        return prefix + Topics.tasks(pool);
    }
}
