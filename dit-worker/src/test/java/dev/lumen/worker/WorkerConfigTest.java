package dev.lumen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("LUMEN_KAFKA_BOOTSTRAP", "kafka:9092");
        env.put("LUMEN_POOL", "pixart-512");
        env.put("LUMEN_MODEL_DIR", "/models/pixart-512");
        env.put("LUMEN_S3_ENDPOINT", "http://minio:9000");
        env.put("LUMEN_S3_ACCESS_KEY", "key");
        env.put("LUMEN_S3_SECRET_KEY", "very-secret");
        env.put("LUMEN_S3_BUCKET", "images");
        return env;
    }

    @Test
    void readsTheEnvironmentWithDefaults() {
        Map<String, String> env = env();
        env.put("LUMEN_BACKEND", "cpu");
        env.put("LUMEN_SAMPLERS", "lcm, dpm-solver");
        env.put("LUMEN_RENEW_INTERVAL_MS", "5000");
        WorkerConfig config = WorkerConfig.fromEnv(env);
        assertThat(config.modelName()).isEqualTo("pixart-512");
        assertThat(config.modelDir()).isEqualTo(Path.of("/models/pixart-512"));
        assertThat(config.backend()).isEqualTo(Backend.CPU);
        assertThat(config.samplers()).containsExactly("lcm", "dpm-solver");
        assertThat(config.renewInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.deliveryLimit()).isEqualTo(4);
        assertThat(config.topics().tasks(config.pool())).isEqualTo("lumen.tasks.pixart-512");
        assertThat(config.toString()).doesNotContain("very-secret");
    }

    @Test
    void refusesWhatCannotWork() {
        Map<String, String> env = env();
        env.remove("LUMEN_POOL");
        assertThatThrownBy(() -> WorkerConfig.fromEnv(env)).isInstanceOf(WorkerConfigException.class)
                .hasMessageContaining("LUMEN_POOL");
        WorkerConfig ok = WorkerConfig.fromEnv(env());
        assertThatThrownBy(() -> ok.withDelivery(Duration.ZERO, 4, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("renewInterval");
        assertThatThrownBy(() -> ok.withDelivery(Duration.ofSeconds(1), 11, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("deliveryLimit");
        assertThatThrownBy(() -> ok.withModel("m", Backend.CPU, List.of("euler"), 512)).hasMessageContaining("euler");
        assertThatThrownBy(() -> ok.withWorkerId("no/slashes")).hasMessageContaining("workerId");
        assertThatThrownBy(() -> Backend.parse("cuda")).hasMessageContaining("cpu, vulkan or auto");
    }
}
