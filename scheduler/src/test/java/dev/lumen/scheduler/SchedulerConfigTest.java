package dev.lumen.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulerConfigTest {
    private final SchedulerConfig defaults = SchedulerConfig.defaults("127.0.0.1:9092", "pixart-512");

    @Test
    void routesModelsToPoolsWithAFallback() {
        SchedulerConfig config = defaults.withPools(Map.of("pixart-1024-ms", "pixart-1024"), "pixart-512");
        assertThat(config.poolFor("pixart-1024-ms")).contains("pixart-1024");
        assertThat(config.poolFor("anything-else")).contains("pixart-512");
        assertThat(defaults.withPools(Map.of("a", "pool-a"), null).poolFor("b")).isEmpty();
        assertThat(defaults.withTopics(SchedulerTopics.prefixed("it.")).topics().tasks("pool-a")).isEqualTo("it.lumen.tasks.pool-a");
    }

    @Test
    void refusesSettingsThatCannotWorkAndNamesThem() {
        assertThatThrownBy(() -> defaults.withLimits(0, 1, 1, 1)).isInstanceOf(SchedulerConfigException.class)
                .hasMessageContaining("maxBatchSize");
        assertThatThrownBy(() -> defaults.withLimits(1, 1, 1, 0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> defaults.withTimeouts(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("defaultJobTimeout");
        assertThatThrownBy(() -> defaults.withJobRetention(Duration.ZERO)).hasMessageContaining("jobRetention");
        assertThatThrownBy(() -> defaults.withJobRetention(Duration.ofSeconds(-1))).hasMessageContaining("jobRetention");
        assertThatThrownBy(() -> defaults.withJobRetention(Duration.ofMinutes(5)))
                .hasMessageContaining("jobRetention (PT5M) must be at least defaultJobTimeout (PT10M)");
        assertThat(defaults.withJobRetention(Duration.ofMinutes(10)).jobRetention()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> defaults.withPools(Map.of(), null)).hasMessageContaining("no job could run");
        assertThatThrownBy(() -> defaults.withPools(Map.of("m", "Bad Pool"), null)).isInstanceOf(SchedulerConfigException.class)
                .hasMessageContaining("pool name");
        assertThatThrownBy(() -> defaults.withGroupId(" ")).hasMessageContaining("groupId");
        assertThatThrownBy(() -> SchedulerTopics.prefixed("a/b")).isInstanceOf(SchedulerConfigException.class);
    }
}
