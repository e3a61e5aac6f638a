package dev.lumen.contracts;

/**
 * Every Kafka topic Lumen uses, in one place. Keys are job ids everywhere (task topics: the id of
 * the batch's first job), so one job's messages stay ordered on one partition.
 */
public final class Topics {
    private Topics() {
    }

    /** Accepted jobs, gateway → scheduler. */
    public static final String JOBS = "lumen.jobs";
    /** Worker reports (started, progress, completed, failed), worker → scheduler and gateways. */
    public static final String EVENTS = "lumen.events";
    /** Compacted: the latest state of every job; the scheduler is its only writer. */
    public static final String JOB_STATE = "lumen.job-state";
    /** Cancellations, gateway → scheduler and workers. */
    public static final String CONTROL = "lumen.control";
    /** Tasks that failed past their delivery limit or were rejected as poison, with the reason. */
    public static final String DEAD_LETTER = "lumen.dead-letter";

    private static final String TASKS_PREFIX = "lumen.tasks.";

    /** The task topic of a worker pool (a model and its resolution class), e.g. {@code lumen.tasks.pixart-512}. */
    public static String tasks(String pool) {
        if (pool == null || !pool.matches("[a-z0-9][a-z0-9._-]{0,100}")) {
            throw new IllegalArgumentException("pool name must be lower-case letters, digits, '.', '_' or '-': " + pool);
        }
        return TASKS_PREFIX + pool;
    }

    /** The share group workers of a pool join. */
    public static String workerGroup(String pool) {
        return "lumen-workers-" + pool;
    }
}
