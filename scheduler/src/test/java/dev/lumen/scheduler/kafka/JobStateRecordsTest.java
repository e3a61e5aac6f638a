package dev.lumen.scheduler.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.JobStatus;
import dev.lumen.scheduler.jobs.Job;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class JobStateRecordsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Job job(String taskId, Instant cancelAt) {
        GenerationSpec spec = new GenerationSpec("pixart-512", "a cat", null, 1, 512, 512, 20, 4.5, "dpm-solver", 7, 0, null, null);
        JobState state = new JobState(JobState.SCHEMA, "job-1", "acme", JobStatus.RUNNING, spec, T0, T0, 1,
                null, null, null, null, null, null);
        return new Job(state, T0.plusSeconds(600), taskId, cancelAt);
    }

    private static ConsumerRecord<String, byte[]> roundTrip(Job job) {
        ProducerRecord<String, byte[]> out = JobStateRecords.toRecord("lumen.job-state", job);
        assertThat(out.key()).isEqualTo("job-1");
        ConsumerRecord<String, byte[]> in = new ConsumerRecord<>(out.topic(), 0, 0L, out.key(), out.value());
        for (Header header : out.headers()) {
            in.headers().add(header);
        }
        return in;
    }

    @Test
    void bookkeepingSurvivesTheRoundTrip() {
        Job job = job("task-9", T0.plusSeconds(5));
        assertThat(JobStateRecords.fromRecord(roundTrip(job), T0)).isEqualTo(job);
        Job idle = job(null, null);
        assertThat(JobStateRecords.fromRecord(roundTrip(idle), T0)).isEqualTo(idle);
    }

    @Test
    void recordsWithoutHeadersGetTheFallbackDeadline() {
        Job job = job(null, null);
        ProducerRecord<String, byte[]> out = JobStateRecords.toRecord("lumen.job-state", job);
        ConsumerRecord<String, byte[]> bare = new ConsumerRecord<>(out.topic(), 0, 0L, out.key(), out.value());
        assertThat(JobStateRecords.fromRecord(bare, T0.plusSeconds(1)).deadline()).isEqualTo(T0.plusSeconds(1));
    }
}
