package dev.lumen.scheduler.kafka;

import dev.lumen.contracts.JobState;
import dev.lumen.contracts.Messages;
import dev.lumen.scheduler.jobs.Job;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * How a {@link Job} is stored on {@code lumen.job-state}: the value is the public
 * {@link JobState} (what gateways read), keyed by job id; the scheduler's private bookkeeping
 * (deadline, current task, cancel request) rides in record headers, so the public contract does
 * not grow fields only the scheduler needs, and a restarted scheduler still gets them back.
 */
public final class JobStateRecords {
    static final String DEADLINE = "lumen-deadline";
    static final String TASK_ID = "lumen-task-id";
    static final String CANCEL_REQUESTED_AT = "lumen-cancel-requested-at";
    /** The job's trace context (W3C traceparent), so a restarted scheduler continues the job's trace. */
    static final String TRACEPARENT = "lumen-traceparent";

    private JobStateRecords() {
    }

    public static ProducerRecord<String, byte[]> toRecord(String topic, Job job) {
        return toRecord(topic, job, null);
    }

    /** As {@link #toRecord(String, Job)}, keeping the job's trace context ({@code null}: none). */
    public static ProducerRecord<String, byte[]> toRecord(String topic, Job job, String traceparent) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, job.id(), Messages.encode(job.state()));
        Headers headers = record.headers();
        headers.add(header(DEADLINE, job.deadline().toString()));
        if (job.taskId() != null) {
            headers.add(header(TASK_ID, job.taskId()));
        }
        if (job.cancelRequestedAt() != null) {
            headers.add(header(CANCEL_REQUESTED_AT, job.cancelRequestedAt().toString()));
        }
        if (traceparent != null) {
            headers.add(header(TRACEPARENT, traceparent));
        }
        return record;
    }

    /**
     * The tombstone that deletes a job from the compacted topic: its key with a null value. Readers
     * drop the key ({@link CompactedTopicReader}, the gateway's view), and compaction removes the
     * job's records.
     */
    public static ProducerRecord<String, byte[]> tombstone(String topic, String jobId) {
        return new ProducerRecord<>(topic, jobId, null);
    }

    /** The trace context kept with a state record, or null. */
    public static String traceparent(ConsumerRecord<String, byte[]> record) {
        return text(record.headers(), TRACEPARENT);
    }

    /**
     * The job in a state record; {@code defaultDeadline} stands in for records written without
     * the header (by hand, or by a scheduler older than it).
     */
    public static Job fromRecord(ConsumerRecord<String, byte[]> record, Instant defaultDeadline) {
        JobState state = Messages.decode(record.value(), JobState.class);
        String deadline = text(record.headers(), DEADLINE);
        String cancel = text(record.headers(), CANCEL_REQUESTED_AT);
        return new Job(state, deadline != null ? Instant.parse(deadline) : defaultDeadline, text(record.headers(), TASK_ID),
                cancel != null ? Instant.parse(cancel) : null);
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
