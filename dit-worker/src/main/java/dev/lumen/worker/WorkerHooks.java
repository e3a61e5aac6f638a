package dev.lumen.worker;

/**
 * Observation points inside a worker, for tests that need to hold a task at a given moment
 * (to crash or cancel it mid-run) or see which delivery of a record a worker got. Called on the
 * thread named per method; a hook that blocks holds that thread.
 */
interface WorkerHooks {
    WorkerHooks NONE = new WorkerHooks() {
    };

    /** Consumer thread: a task record arrived, before it is decoded. */
    default void onDelivery(String key, int deliveryCount) {
    }

    /** Engine thread: a denoising step of a job finished (0-based). */
    default void afterStep(String jobId, int step) {
    }

    /** Engine thread: a job's images are generated and about to be uploaded. */
    default void beforeUpload(String jobId) {
    }
}
