package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.gateway.GatewayProperties;
import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import dev.lumen.scheduler.SchedulerConfig;
import dev.lumen.scheduler.SchedulerMain;
import dev.lumen.worker.Backend;
import dev.lumen.worker.WorkerConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/**
 * The environment the chart gives each Lumen container, read by the services' own configuration
 * code: the scheduler's {@link SchedulerMain#configFromEnv}, the worker's {@link WorkerConfig#fromEnv}
 * and the gateway's {@code lumen.gateway.*} properties bound by Spring Boot from environment
 * variables, with their validation. A misnamed variable or a value a service refuses fails here,
 * not in a cluster.
 */
class ServiceConfigurationTest {
    static final Path TWO_POOLS = ChartComponentsTest.TWO_POOLS;

    /** A container's environment as the kubelet would set it: Secret references resolved, envFrom expanded. */
    static Map<String, String> environment(Rendered r, String workload) {
        LumenChart.Workload w = r.workload(workload);
        Container c = w.containers().getFirst();
        Map<String, String> env = new LinkedHashMap<>();
        c.getEnvFrom().forEach(from -> secretData(r, from.getSecretRef().getName()).forEach(env::put));
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            } else if (e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                env.put(e.getName(), secretData(r, ref.getName()).get(ref.getKey()));
            } else if (e.getValueFrom().getFieldRef() != null) {
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
                env.put(e.getName(), workload + "-7d9f8b6c5d-x2x4q");
            }
        }
        return env;
    }

    static Map<String, String> secretData(Rendered r, String name) {
        Map<String, String> data = new LinkedHashMap<>();
        r.get(Secret.class, name).getData().forEach((k, v) ->
                data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return data;
    }

    static GatewayProperties bindGateway(Map<String, String> env) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        // The name marks it as an environment, so Spring maps LUMEN_GATEWAY_X_0_Y to lumen.gateway.x[0].y.
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                "chart-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(env)));
        try (LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean()) {
            validator.afterPropertiesSet();
            Binder binder = new Binder(ConfigurationPropertySources.get(environment));
            BindResult<GatewayProperties> result = binder.bind("lumen.gateway",
                    org.springframework.boot.context.properties.bind.Bindable.of(GatewayProperties.class),
                    new ValidationBindHandler(new IgnoreTopLevelConverterNotFoundBindHandler(), validator));
            return result.get();
        }
    }

    @Test
    void theSchedulerAcceptsItsEnvironmentAndRoutesEveryModel() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));

        SchedulerConfig config = SchedulerMain.configFromEnv(environment(r, "lumen-scheduler"));

        assertThat(config.bootstrapServers()).isEqualTo("lumen-kafka.lumen.svc:9092");
        assertThat(config.poolsByModel()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pixart-sigma-1024", "sigma-1024", "pixart-lcm-512", "lcm-512"));
        assertThat(config.defaultPool()).isNull();
        assertThat(config.maxInFlightTasksPerPool()).isEqualTo(5);
        assertThat(config.groupId()).isEqualTo("lumen-scheduler");
        assertThat(config.defaultJobTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.jobRetention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void everyWorkerAcceptsItsEnvironment() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));

        WorkerConfig sigma = WorkerConfig.fromEnv(environment(r, "lumen-worker-sigma-1024"));
        assertThat(sigma.pool()).isEqualTo("sigma-1024");
        assertThat(sigma.modelName()).isEqualTo("pixart-sigma-1024");
        assertThat(sigma.modelDir()).isEqualTo(Path.of("/models/PixArt-Sigma-XL-2-1024-MS"));
        assertThat(sigma.backend()).isEqualTo(Backend.VULKAN);
        assertThat(sigma.warmupSize()).isEqualTo(512);
        assertThat(sigma.gracePeriod()).isEqualTo(Duration.ofSeconds(60));
        assertThat(sigma.workerId()).isEqualTo("lumen-worker-sigma-1024-7d9f8b6c5d-x2x4q");
        assertThat(sigma.storage().toString()).contains("http://lumen-s3.lumen.svc:9000").contains("lumen");

        WorkerConfig lcm = WorkerConfig.fromEnv(environment(r, "lumen-worker-lcm-512"));
        assertThat(lcm.samplers()).containsExactly("lcm");
    }

    @Test
    void aCpuPoolFromTheHpaValueSetIsAcceptedToo() {
        Rendered r = LumenChart.render(Values.files(RenderedInvariantsTest.VALUES.resolve("hpa-emptydir-cpu.yaml")));

        WorkerConfig tiny = WorkerConfig.fromEnv(environment(r, "lumen-worker-tiny-cpu"));

        assertThat(tiny.backend()).isEqualTo(Backend.CPU);
        assertThat(tiny.modelDir()).isEqualTo(Path.of("/models/pixart-tiny"));
    }

    @Test
    void theGatewayBindsItsModelsKeysStorageAndKafkaFromTheEnvironment() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));

        GatewayProperties gateway = bindGateway(environment(r, "lumen-gateway"));

        assertThat(gateway.kafka().bootstrapServers()).isEqualTo("lumen-kafka.lumen.svc:9092");
        assertThat(gateway.storage().endpoint().toString()).isEqualTo("http://lumen-s3.lumen.svc:9000");
        assertThat(gateway.storage().secretKey()).isEqualTo("lumen-bundled-secret");
        assertThat(gateway.syncWait()).isEqualTo(Duration.ofSeconds(60));
        List<GatewayProperties.Model> models = gateway.models();
        assertThat(models).extracting(GatewayProperties.Model::name).containsExactly("pixart-sigma-1024", "pixart-lcm-512");
        assertThat(models.get(1).pool()).isEqualTo("lcm-512");
        assertThat(models.get(1).defaultWidth()).isEqualTo(512);
        assertThat(models.get(1).defaultSteps()).isEqualTo(4);
        assertThat(models.get(1).defaultSampler()).isEqualTo("lcm");
        assertThat(models.get(0).defaultGuidanceScale()).isEqualTo(4.5);
        assertThat(gateway.auth().noAuth()).isFalse();
        assertThat(gateway.auth().keys()).singleElement().satisfies(k -> {
            assertThat(k.name()).isEqualTo("ci");
            assertThat(k.tenant()).isEqualTo("ci");
            assertThat(k.sha256()).isEqualTo("3f2a1b6c1f7c29d0a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d");
        });
    }

    @Test
    void theBindingItselfRefusesWhatTheGatewayWouldRefuse() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));
        Map<String, String> env = new LinkedHashMap<>(environment(r, "lumen-gateway"));
        env.put("LUMEN_GATEWAY_MODELS_1_DEFAULTSIZE", "512 by 512");

        assertThatThrownBy(() -> bindGateway(env)).hasStackTraceContaining("defaultSize");
    }
}
