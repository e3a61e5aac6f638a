package dev.lumen.helm;

import static dev.lumen.helm.RenderedInvariantsTest.env;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.Topics;
import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each component of a rendering is told, checked against the services' own settings. */
class ChartComponentsTest {
    static final Path PRODUCTION = LumenChart.CHART.resolve("examples/production.yaml");
    static final Path TWO_POOLS = RenderedInvariantsTest.VALUES.resolve("two-pools-keda-ingress.yaml");
    static final Path EXTERNAL = RenderedInvariantsTest.VALUES.resolve("external-prefixed-metrics.yaml");

    static Container container(Rendered r, String workload) {
        return r.workload(workload).containers().getFirst();
    }

    static Job topicJob(Rendered r) {
        List<Job> jobs = r.all(Job.class);
        assertThat(jobs).hasSize(1);
        return jobs.getFirst();
    }

    @Test
    void theTopicJobCreatesTheContractsTopicsAndSetsEveryPoolsShareGroupToEarliest() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));
        Container c = topicJob(r).getSpec().getTemplate().getSpec().getContainers().getFirst();

        assertThat(env(c, "TOPICS").split(" ")).containsExactlyInAnyOrder(Topics.JOBS, Topics.EVENTS, Topics.CONTROL,
                Topics.DEAD_LETTER, Topics.tasks("sigma-1024"), Topics.tasks("lcm-512"));
        assertThat(env(c, "COMPACTED_TOPICS")).isEqualTo(Topics.JOB_STATE);
        assertThat(env(c, "SHARE_GROUPS").split(" "))
                .containsExactlyInAnyOrder(Topics.workerGroup("sigma-1024"), Topics.workerGroup("lcm-512"));
        assertThat(env(c, "SHARE_GROUP_CONFIGS")).isEqualTo("share.auto.offset.reset=earliest");
        assertThat(env(c, "PARTITIONS")).isEqualTo("6");
        String script = String.join("\n", c.getArgs());
        assertThat(script).contains("--if-not-exists").contains("cleanup.policy=compact")
                .contains("--entity-type groups").contains("kafka-broker-api-versions.sh");
    }

    @Test
    void withBundledKafkaTheTopicJobRunsBesideTheBrokerOncePerRevision() {
        Rendered r = LumenChart.render(Values.defaults());
        Job job = topicJob(r);

        assertThat(job.getMetadata().getName()).isEqualTo("lumen-kafka-topics-1");
        assertThat(job.getMetadata().getAnnotations()).doesNotContainKey(LumenChart.HOOK_KEY_PREFIX);
        StatefulSet kafka = r.get(StatefulSet.class, "lumen-kafka");
        Container broker = kafka.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(broker.getImage()).isEqualTo("docker.io/apache/kafka:4.2.0");
        assertThat(kafka.getSpec().getTemplate().getSpec().getInitContainers().getFirst().getCommand())
                .contains("format", "--ignore-formatted", "--standalone");
        String properties = r.get(io.fabric8.kubernetes.api.model.ConfigMap.class, "lumen-kafka").getData()
                .get("server.properties");
        assertThat(properties).contains("process.roles=broker,controller", "auto.create.topics.enable=false",
                "advertised.listeners=PLAINTEXT://lumen-kafka.lumen.svc:9092",
                "share.coordinator.state.topic.replication.factor=1");
        for (String workload : List.of("lumen-scheduler", "lumen-worker-pixart-512")) {
            assertThat(env(container(r, workload), "LUMEN_KAFKA_BOOTSTRAP")).isEqualTo("lumen-kafka.lumen.svc:9092");
        }
        assertThat(env(container(r, "lumen-gateway"), "LUMEN_GATEWAY_KAFKA_BOOTSTRAPSERVERS"))
                .isEqualTo("lumen-kafka.lumen.svc:9092");
        assertThat(r.get(StatefulSet.class, "lumen-s3").getSpec().getTemplate().getSpec().getContainers().getFirst()
                .getImage()).isEqualTo("docker.io/andrewgaul/s3proxy:s3proxy-2.6.0");
        assertThat(env(container(r, "lumen-worker-pixart-512"), "LUMEN_S3_ENDPOINT")).isEqualTo("http://lumen-s3.lumen.svc:9000");
    }

    @Test
    void withExternalKafkaTheTopicJobIsAPreInstallHookAndNothingIsBundled() {
        Rendered r = LumenChart.render(Values.files(PRODUCTION));
        Job job = topicJob(r);

        assertThat(job.getMetadata().getAnnotations())
                .containsEntry(LumenChart.HOOK_KEY_PREFIX, "pre-install,pre-upgrade")
                .containsEntry(LumenChart.HOOK_KEY_PREFIX + "-delete-policy", "before-hook-creation,hook-succeeded");
        assertThat(job.getSpec().getTemplate().getSpec().getServiceAccountName())
                .as("a pre-install hook cannot use the chart's ServiceAccount, which does not exist yet").isNull();
        Container c = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(env(c, "BOOTSTRAP")).isEqualTo("kafka-0.kafka.svc:9092,kafka-1.kafka.svc:9092,kafka-2.kafka.svc:9092");
        assertThat(env(c, "PARTITIONS")).isEqualTo("12");
        assertThat(env(c, "REPLICATION_FACTOR")).isEqualTo("3");
        assertThat(env(c, "SHARE_GROUP_CONFIGS")).isEqualTo("share.auto.offset.reset=earliest,share.record.lock.duration.ms=60000");
        assertThat(r.all(StatefulSet.class)).isEmpty();
        assertThat(env(container(r, "lumen-worker-pixart-512"), "LUMEN_S3_ENDPOINT")).isEqualTo("https://s3.eu-west-1.amazonaws.com");
        assertThat(r.find(Secret.class, "lumen-storage")).as("existingSecret replaces the chart's").isEmpty();
        assertThat(container(r, "lumen-worker-pixart-512").getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("LUMEN_S3_SECRET_KEY");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("lumen-s3");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("secret-key");
        });
    }

    @Test
    void aTopicPrefixReachesEveryTopicGroupAndService() {
        Rendered r = LumenChart.render(Values.files(EXTERNAL));
        Container job = topicJob(r).getSpec().getTemplate().getSpec().getContainers().getFirst();

        assertThat(env(job, "TOPICS").split(" ")).allMatch(t -> t.startsWith("staging.lumen."));
        assertThat(env(job, "COMPACTED_TOPICS")).isEqualTo("staging." + Topics.JOB_STATE);
        assertThat(env(job, "SHARE_GROUPS")).isEqualTo("staging." + Topics.workerGroup("pixart-512"));
        assertThat(env(container(r, "lumen-scheduler"), "LUMEN_TOPIC_PREFIX")).isEqualTo("staging.");
        assertThat(env(container(r, "lumen-scheduler"), "LUMEN_GROUP_ID")).isEqualTo("staging.lumen-scheduler");
        assertThat(env(container(r, "lumen-worker-pixart-512"), "LUMEN_TOPIC_PREFIX")).isEqualTo("staging.");
        assertThat(env(container(r, "lumen-gateway"), "LUMEN_GATEWAY_KAFKA_TOPICPREFIX")).isEqualTo("staging.");
        assertThat(r.find(Deployment.class, "lumen-layout-service")).isEmpty();
        assertThat(r.workloads()).allSatisfy(w -> assertThat(w.pod().getImagePullSecrets())
                .extracting(io.fabric8.kubernetes.api.model.LocalObjectReference::getName).containsExactly("regcred"));
        assertThat(container(r, "lumen-gateway").getEnv()).noneMatch(e -> e.getName().equals("LUMEN_GATEWAY_LAYOUTSERVICE_URL"));
    }

    @Test
    void theSchedulerRoutesEveryModelToItsPoolAndAllowsAsManyTasksAsTheLargestPoolHasWorkers() {
        Rendered r = LumenChart.render(Values.files(PRODUCTION));
        Container scheduler = container(r, "lumen-scheduler");

        assertThat(env(scheduler, "LUMEN_POOLS")).isEqualTo("pixart-lcm-1024=pixart-lcm-1024,pixart-512=pixart-512");
        assertThat(env(scheduler, "LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL")).as("KEDA maxReplicas of the larger pool")
                .isEqualTo("8");
        assertThat(env(scheduler, "LUMEN_HEALTH_PORT")).isEqualTo("8081");
        assertThat(scheduler.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
    }

    @Test
    void theGatewayOffersEveryPoolsModelWithItsDefaults() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));
        Container gateway = container(r, "lumen-gateway");

        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_0_NAME")).isEqualTo("pixart-sigma-1024");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_0_POOL")).isEqualTo("sigma-1024");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_0_DEFAULTSIZE")).isEqualTo("1024x1024");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_0_DEFAULTSAMPLER")).isEqualTo("dpm-solver");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_1_NAME")).isEqualTo("pixart-lcm-512");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_1_DEFAULTSIZE")).isEqualTo("512x512");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_1_DEFAULTSTEPS")).isEqualTo("4");
        assertThat(env(gateway, "LUMEN_GATEWAY_MODELS_1_DEFAULTSAMPLER")).isEqualTo("lcm");
        assertThat(env(gateway, "LUMEN_GATEWAY_LAYOUTSERVICE_URL")).isEqualTo("http://lumen-layout-service.lumen.svc:8082");
        // Liveness is the process, readiness the job-state view (Kafka): a broker outage never restarts gateways.
        assertThat(gateway.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(gateway.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
    }

    @Test
    void apiKeysReachTheGatewayAsHashesOnlyAndAChangeRestartsIt(@TempDir Path dir) throws IOException {
        String key = "lmn_" + "5f1c".repeat(16);
        Path values = Files.writeString(dir.resolve("keys.yaml"), """
                gateway:
                  auth:
                    keys:
                      - {name: ops, tenant: team-a, sha256: %s, ratePerSecond: 2.5, burst: 10, maxActiveJobs: 4}
                """.formatted(sha256(key).toUpperCase()));

        String manifests = LumenChart.template(Values.files(values));
        Rendered r = new Rendered(StrictKubernetesReader.read(manifests));

        Map<String, String> data = decoded(r.get(Secret.class, "lumen-api-keys"));
        assertThat(data).containsExactlyInAnyOrderEntriesOf(Map.of(
                "LUMEN_GATEWAY_AUTH_KEYS_0_NAME", "ops", "LUMEN_GATEWAY_AUTH_KEYS_0_TENANT", "team-a",
                "LUMEN_GATEWAY_AUTH_KEYS_0_SHA256", sha256(key),
                "LUMEN_GATEWAY_AUTH_KEYS_0_RATEPERSECOND", "2.5", "LUMEN_GATEWAY_AUTH_KEYS_0_BURST", "10",
                "LUMEN_GATEWAY_AUTH_KEYS_0_MAXACTIVEJOBS", "4"));
        assertThat(manifests).doesNotContain(key).doesNotContain(Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        assertThat(container(r, "lumen-gateway").getEnvFrom()).singleElement()
                .satisfies(from -> assertThat(from.getSecretRef().getName()).isEqualTo("lumen-api-keys"));

        String before = checksum(LumenChart.render(Values.defaults()));
        assertThat(checksum(r)).as("pods roll when the keys change").isNotEqualTo(before);
    }

    @Test
    void workerPoolsCarryTheirGpuRuntimeAndNodePlacement() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));

        var sigma = r.workload("lumen-worker-sigma-1024").pod();
        Container sigmaWorker = sigma.getContainers().getFirst();
        assertThat(sigmaWorker.getResources().getLimits()).containsKey("nvidia.com/mig-4g.71gb");
        assertThat(sigmaWorker.getResources().getLimits().get("nvidia.com/mig-4g.71gb").getAmount()).isEqualTo("1");
        assertThat(sigma.getRuntimeClassName()).isEqualTo("nvidia-mig");
        assertThat(sigma.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/mig"));
        assertThat(sigma.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("shm");
            assertThat(v.getEmptyDir().getSizeLimit().toString()).isEqualTo("4Gi");
        });
        assertThat(env(sigmaWorker, "LUMEN_POOL")).isEqualTo("sigma-1024");
        assertThat(env(sigmaWorker, "LUMEN_MODEL_DIR")).isEqualTo("/models/PixArt-Sigma-XL-2-1024-MS");
        assertThat(env(sigmaWorker, "LUMEN_BACKEND")).isEqualTo("vulkan");
        assertThat(env(sigmaWorker, "NVIDIA_DRIVER_CAPABILITIES")).isEqualTo("compute,utility,graphics");
        assertThat(sigmaWorker.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("LUMEN_WORKER_ID");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        });

        var lcm = r.workload("lumen-worker-lcm-512").pod();
        Container lcmWorker = lcm.getContainers().getFirst();
        assertThat(lcmWorker.getResources().getLimits()).containsKey("amd.com/gpu").doesNotContainKey("nvidia.com/gpu");
        assertThat(lcm.getRuntimeClassName()).isNull();
        assertThat(lcm.getNodeSelector()).containsEntry("amd.com/gpu.present", "true");
        assertThat(lcm.getTolerations()).isEmpty();
        assertThat(env(lcmWorker, "LUMEN_SAMPLERS")).isEqualTo("lcm");
        Container init = lcm.getInitContainers().getFirst();
        assertThat(init.getName()).isEqualTo("model-init");
        assertThat(env(init, "LUMEN_MODEL_SOURCE")).isEqualTo("s3://models/pixart-lcm-512");
        assertThat(init.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("models");
            assertThat(m.getReadOnly()).as("the init container fills the cache").isNotEqualTo(Boolean.TRUE);
        });
    }

    @Test
    void kedaScalesEachPoolOnItsOwnModelsQueueWithTheConfiguredBounds() {
        Rendered r = LumenChart.render(Values.files(TWO_POOLS));

        KedaScaledObject sigma = r.get(KedaScaledObject.class, "lumen-worker-sigma-1024");
        assertThat(sigma.spec().scaleTargetRef().name()).isEqualTo("lumen-worker-sigma-1024");
        assertThat(sigma.spec().minReplicaCount()).isEqualTo(1);
        assertThat(sigma.spec().maxReplicaCount()).isEqualTo(5);
        assertThat(sigma.spec().idleReplicaCount()).as("scale to zero").isZero();
        assertThat(sigma.spec().cooldownPeriod()).isEqualTo(300);
        assertThat(sigma.spec().pollingInterval()).isEqualTo(10);
        assertThat(sigma.spec().fallback()).isEqualTo(new KedaScaledObject.Fallback(4, 2));
        assertThat(sigma.spec().triggers().getFirst().metadata().get("query")).isEqualTo(
                "(sum(lumen_jobs_queued{namespace=\"lumen\",model=\"pixart-sigma-1024\"}) or vector(0))"
                        + " + (sum(lumen_jobs_running{namespace=\"lumen\",model=\"pixart-sigma-1024\"}) or vector(0))");
        assertThat(sigma.spec().advanced().horizontalPodAutoscalerConfig().behavior().getScaleDown()
                .getStabilizationWindowSeconds()).isEqualTo(300);

        KedaScaledObject lcm = r.get(KedaScaledObject.class, "lumen-worker-lcm-512");
        assertThat(lcm.spec().maxReplicaCount()).isEqualTo(3);
        assertThat(lcm.spec().idleReplicaCount()).as("null keeps the pool at its minimum").isNull();
        assertThat(lcm.spec().triggers().getFirst().metadata().get("query")).contains("model=\"pixart-lcm-512\"");
        assertThat(env(container(r, "lumen-scheduler"), "LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL")).isEqualTo("5");
    }

    @Test
    void withoutAutoscalingTheDeploymentOwnsItsReplicas() {
        Rendered r = LumenChart.render(Values.defaults().set("workers.defaults.replicas", "3"));

        assertThat(r.all(KedaScaledObject.class)).isEmpty();
        assertThat(r.get(Deployment.class, "lumen-worker-pixart-512").getSpec().getReplicas()).isEqualTo(3);
        assertThat(env(container(r, "lumen-scheduler"), "LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL")).isEqualTo("3");
    }

    @Test
    void serviceMonitorsScrapeOnlyComponentsThatServeMetrics() {
        Rendered withMetrics = LumenChart.render(Values.files(EXTERNAL));
        assertThat(withMetrics.all(PrometheusServiceMonitor.class)).extracting(sm -> sm.metadata().getName())
                .containsExactlyInAnyOrder("lumen-gateway", "lumen-scheduler", "lumen-worker-pixart-512");
        PrometheusServiceMonitor gateway = withMetrics.get(PrometheusServiceMonitor.class, "lumen-gateway");
        assertThat(gateway.spec().endpoints()).singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo("/actuator/prometheus"));
        assertThat(gateway.metadata().getLabels()).containsEntry("release", "prom");

        Rendered production = LumenChart.render(Values.files(PRODUCTION));
        assertThat(production.all(PrometheusServiceMonitor.class)).extracting(sm -> sm.metadata().getName())
                .as("scheduler and workers expose no metrics yet").containsExactlyInAnyOrder("lumen-gateway", "lumen-layout-service");
    }

    @Test
    void thePodsRunAsTheUserTheLumenImagesDeclare() throws IOException {
        Rendered r = LumenChart.render(Values.defaults());
        long uid = r.workload("lumen-gateway").pod().getSecurityContext().getRunAsUser();

        for (String module : List.of("gateway", "scheduler", "dit-worker")) {
            String dockerfile = Files.readString(LumenChart.REPOSITORY.resolve(module).resolve("Dockerfile"));
            assertThat(dockerfile).as(module + "/Dockerfile").containsPattern("(?m)^USER " + uid + ":" + uid + "\\s*$")
                    .contains("--uid " + uid);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> decoded(Secret secret) {
        Map<String, String> data = new java.util.TreeMap<>();
        secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return data;
    }

    private static String checksum(Rendered r) {
        return r.get(Deployment.class, "lumen-gateway").getSpec().getTemplate().getMetadata().getAnnotations()
                .get("checksum/api-keys");
    }

    static List<String> words(String s) {
        return Arrays.asList(s.split(" "));
    }
}
