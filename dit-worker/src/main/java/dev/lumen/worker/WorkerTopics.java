package dev.lumen.worker;

import dev.lumen.contracts.Topics;

/**
 * The topic names a worker reads and writes. {@link #standard()} is Lumen's; a prefix puts every
 * name under it, so several installations (or tests) can share one cluster, as the scheduler's
 * topics do.
 */
public record WorkerTopics(String prefix) {

    public WorkerTopics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
            throw new WorkerConfigException("topic prefix may hold letters, digits, '.', '_' and '-' only: " + prefix);
        }
    }

    public static WorkerTopics standard() {
        return new WorkerTopics("");
    }

    public String tasks(String pool) {
        return prefix + Topics.tasks(pool);
    }

    /** The share group of a pool's workers; prefixed like the topics so test installations do not meet. */
    public String workerGroup(String pool) {
        return prefix + Topics.workerGroup(pool);
    }

    public String events() {
        return prefix + Topics.EVENTS;
    }

    public String control() {
        return prefix + Topics.CONTROL;
    }

    public String deadLetter() {
        return prefix + Topics.DEAD_LETTER;
    }
}
