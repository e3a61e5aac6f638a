package dev.lumen.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment a scheduler container gets is read into the config it describes. */
class SchedulerMainTest {

    @Test
    void readsEveryVariable() {
        SchedulerConfig config = SchedulerMain.configFromEnv(Map.ofEntries(
                Map.entry("LUMEN_KAFKA_BOOTSTRAP", " kafka:9092 "),
                Map.entry("LUMEN_POOLS", "pixart-512=gpu-a, pixart-1024 = gpu-b,"),
                Map.entry("LUMEN_DEFAULT_POOL", "gpu-a"),
                Map.entry("LUMEN_GROUP_ID", "sched-test"),
                Map.entry("LUMEN_TOPIC_PREFIX", "t1."),
                Map.entry("LUMEN_MAX_BATCH_SIZE", "2"),
                Map.entry("LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL", "3"),
                Map.entry("LUMEN_MAX_QUEUED_PER_TENANT", "7"),
                Map.entry("LUMEN_MAX_ATTEMPTS", "1"),
                Map.entry("LUMEN_JOB_TIMEOUT_S", "90"),
                Map.entry("LUMEN_CANCEL_TIMEOUT_S", "5"),
                Map.entry("LUMEN_JOB_RETENTION_S", "86400")));

        assertThat(config.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(config.poolsByModel()).containsExactlyInAnyOrderEntriesOf(
                Map.of("pixart-512", "gpu-a", "pixart-1024", "gpu-b"));
        assertThat(config.defaultPool()).isEqualTo("gpu-a");
        assertThat(config.groupId()).isEqualTo("sched-test");
        assertThat(config.topics()).isEqualTo(new SchedulerTopics("t1."));
        assertThat(config.maxBatchSize()).isEqualTo(2);
        assertThat(config.maxInFlightTasksPerPool()).isEqualTo(3);
        assertThat(config.maxQueuedPerTenant()).isEqualTo(7);
        assertThat(config.maxAttempts()).isEqualTo(1);
        assertThat(config.defaultJobTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.cancelTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.jobRetention()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void unsetVariablesKeepTheDefaults() {
        SchedulerConfig config = SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "kafka:9092", "LUMEN_DEFAULT_POOL", "gpu"));

        assertThat(config).isEqualTo(SchedulerConfig.defaults("kafka:9092", "gpu"));
        assertThat(config.jobRetention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void poolsWithoutADefaultRejectUnlistedModels() {
        SchedulerConfig config = SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "kafka:9092", "LUMEN_POOLS", "pixart-512=gpu"));

        assertThat(config.defaultPool()).isNull();
        assertThat(config.poolFor("other")).isEmpty();
    }

    @Test
    void namesTheVariableThatIsWrong() {
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of("LUMEN_DEFAULT_POOL", "gpu")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("LUMEN_KAFKA_BOOTSTRAP");
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "k:9092", "LUMEN_POOLS", "pixart-512")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("LUMEN_POOLS");
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "k:9092", "LUMEN_DEFAULT_POOL", "gpu", "LUMEN_MAX_ATTEMPTS", "three")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("LUMEN_MAX_ATTEMPTS");
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "k:9092", "LUMEN_DEFAULT_POOL", "gpu", "LUMEN_JOB_RETENTION_S", "7d")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("LUMEN_JOB_RETENTION_S");
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of(
                "LUMEN_KAFKA_BOOTSTRAP", "k:9092", "LUMEN_DEFAULT_POOL", "gpu", "LUMEN_JOB_RETENTION_S", "0")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("jobRetention");
        // A long job timeout with a longer retention is valid whichever is read first.
        SchedulerConfig longJobs = SchedulerMain.configFromEnv(Map.of("LUMEN_KAFKA_BOOTSTRAP", "k:9092",
                "LUMEN_DEFAULT_POOL", "gpu", "LUMEN_JOB_TIMEOUT_S", "1209600", "LUMEN_JOB_RETENTION_S", "2419200"));
        assertThat(longJobs.defaultJobTimeout()).isEqualTo(Duration.ofDays(14));
        assertThat(longJobs.jobRetention()).isEqualTo(Duration.ofDays(28));
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of("LUMEN_KAFKA_BOOTSTRAP", "k:9092",
                "LUMEN_DEFAULT_POOL", "gpu", "LUMEN_JOB_TIMEOUT_S", "7200", "LUMEN_JOB_RETENTION_S", "3600")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("at least defaultJobTimeout");
        assertThatThrownBy(() -> SchedulerMain.configFromEnv(Map.of("LUMEN_KAFKA_BOOTSTRAP", "k:9092")))
                .isInstanceOf(SchedulerConfigException.class).hasMessageContaining("no job could run");
    }
}
