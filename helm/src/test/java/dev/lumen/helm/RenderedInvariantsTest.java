package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import dev.lumen.helm.LumenChart.Workload;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What must hold for every rendering, checked on the default values and on each value set:
 * labels, probes and resources on every container, a locked-down security context, selectors that
 * match exactly their pods, and every reference (Service → pods and ports, PDB → workload,
 * ScaledObject/HPA → Deployment, Ingress and ServiceMonitor → Service, Secret/ConfigMap/PVC →
 * a rendered object or a declared existing one) resolving.
 */
class RenderedInvariantsTest {
    static final Path VALUES = LumenChart.MODULE.resolve("src/test/resources/values");

    /** A value set and the Secrets/claims it declares as existing outside the chart. */
    record Scenario(String name, Values values, Set<String> existingObjects) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                new Scenario("defaults (bundled Kafka and S3)", Values.defaults(), Set.of()),
                new Scenario("examples/production.yaml (external, two pools, KEDA, ingress, monitoring)",
                        Values.files(LumenChart.CHART.resolve("examples/production.yaml")), Set.of("lumen-s3")),
                new Scenario("two pools, KEDA, ingress, bundled", Values.files(VALUES.resolve("two-pools-keda-ingress.yaml")),
                        Set.of()),
                new Scenario("external with prefix and metrics", Values.files(VALUES.resolve("external-prefixed-metrics.yaml")),
                        Set.of("shared-models")),
                new Scenario("HPA, emptyDir cache, CPU pool", Values.files(VALUES.resolve("hpa-emptydir-cpu.yaml")),
                        Set.of("my-gateway-keys")),
                new Scenario("KEDA off explicitly", Values.defaults().set("workers.defaults.autoscaling.keda.enabled", "false")
                        .set("gateway.ingress.enabled", "true"), Set.of()))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyResourceCarriesTheStandardLabelsAndAValidName(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());

        assertThat(rendered.manifests()).isNotEmpty();
        for (var m : rendered.manifests()) {
            HasMetadata object = (HasMetadata) asKubernetes(m.typed());
            if (object == null) {
                continue;
            }
            Map<String, String> labels = object.getMetadata().getLabels();
            assertThat(labels).as(m.source() + " " + m.kind() + "/" + m.name() + " labels")
                    .containsEntry("app.kubernetes.io/name", "lumen")
                    .containsEntry("app.kubernetes.io/instance", LumenChart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/part-of", "lumen")
                    .containsKeys("app.kubernetes.io/component", "app.kubernetes.io/version", "helm.sh/chart");
            assertThat(object.getMetadata().getNamespace()).as(m.kind() + "/" + m.name() + " namespace")
                    .isEqualTo(LumenChart.NAMESPACE);
            assertThat(m.name()).as(m.kind() + " name").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
        }
        assertThat(rendered.manifests().stream().map(m -> m.kind() + "/" + m.name()))
                .as("kind/name pairs are unique").doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyLongRunningContainerHasThreeProbesOnItsOwnPorts(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());

        for (Workload w : rendered.workloads()) {
            if (w.manifest().typed() instanceof Job) {
                continue;  // runs to completion: Kubernetes has no use for probes there
            }
            for (Container c : w.containers()) {
                String where = w.name() + "/" + c.getName();
                Set<String> portNames = new HashSet<>(c.getPorts().stream().map(ContainerPort::getName).toList());
                for (var probe : Map.of("startupProbe", opt(c.getStartupProbe()), "livenessProbe", opt(c.getLivenessProbe()),
                        "readinessProbe", opt(c.getReadinessProbe())).entrySet()) {
                    Probe p = probe.getValue();
                    assertThat(p).as(where + " " + probe.getKey()).isNotNull();
                    String port = p.getHttpGet() != null ? p.getHttpGet().getPort().getStrVal()
                            : p.getTcpSocket() != null ? p.getTcpSocket().getPort().getStrVal() : null;
                    assertThat(port).as(where + " " + probe.getKey() + " checks a named port").isNotNull();
                    assertThat(portNames).as(where + " ports").contains(port);
                    assertThat(p.getPeriodSeconds()).as(where + " " + probe.getKey() + " period").isPositive();
                    assertThat(p.getFailureThreshold()).as(where + " " + probe.getKey() + " failures").isPositive();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyContainerHasCpuAndMemoryRequestsAndAMemoryLimit(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());

        for (Workload w : rendered.workloads()) {
            for (Container c : w.allContainers()) {
                String where = w.name() + "/" + c.getName();
                assertThat(c.getResources()).as(where + " resources").isNotNull();
                assertThat(c.getResources().getRequests()).as(where + " requests").containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(where + " limits").containsKey("memory");
                Quantity request = c.getResources().getRequests().get("memory");
                Quantity limit = c.getResources().getLimits().get("memory");
                assertThat(limit.getNumericalAmount()).as(where + " memory limit >= request")
                        .isGreaterThanOrEqualTo(request.getNumericalAmount());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyPodRunsAsNonRootOnAReadOnlyRootWithWritableTmp(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());

        for (Workload w : rendered.workloads()) {
            var pod = w.pod().getSecurityContext();
            assertThat(pod.getRunAsNonRoot()).as(w.name() + " runAsNonRoot").isTrue();
            assertThat(pod.getRunAsUser()).as(w.name() + " runAsUser").isNotNull().isPositive();
            assertThat(w.pod().getAutomountServiceAccountToken()).as(w.name() + " mounts no API token").isFalse();
            Set<String> volumes = new HashSet<>(w.pod().getVolumes().stream().map(Volume::getName).toList());
            if (w.manifest().typed() instanceof StatefulSet s) {
                s.getSpec().getVolumeClaimTemplates().forEach(t -> volumes.add(t.getMetadata().getName()));
            }
            for (Container c : w.allContainers()) {
                String where = w.name() + "/" + c.getName();
                var sc = c.getSecurityContext();
                assertThat(sc.getReadOnlyRootFilesystem()).as(where + " readOnlyRootFilesystem").isTrue();
                assertThat(sc.getAllowPrivilegeEscalation()).as(where + " allowPrivilegeEscalation").isFalse();
                assertThat(sc.getCapabilities().getDrop()).as(where + " capabilities dropped").containsExactly("ALL");
                for (VolumeMount mount : c.getVolumeMounts()) {
                    assertThat(volumes).as(where + " mounts " + mount.getName()).contains(mount.getName());
                }
                assertThat(c.getVolumeMounts()).as(where + " has a writable /tmp")
                        .anyMatch(m -> m.getMountPath().equals("/tmp") && !Boolean.TRUE.equals(m.getReadOnly()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void selectorsMatchTheirOwnPodsAndNoOthers(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());
        List<Workload> workloads = rendered.workloads();

        for (Workload w : workloads) {
            Map<String, String> selector = switch (w.manifest().typed()) {
                case Deployment d -> d.getSpec().getSelector().getMatchLabels();
                case StatefulSet s -> s.getSpec().getSelector().getMatchLabels();
                default -> null;
            };
            if (selector == null) {
                continue;
            }
            assertThat(w.template().getMetadata().getLabels()).as(w.name() + " pod labels").containsAllEntriesOf(selector);
            assertThat(workloads.stream().filter(o -> o != w && matches(selector, o)).map(Workload::name))
                    .as(w.name() + " selector matches no other workload's pods").isEmpty();
        }
        for (Service s : rendered.all(Service.class)) {
            List<Workload> backends = workloads.stream().filter(w -> matches(s.getSpec().getSelector(), w)).toList();
            assertThat(backends).as("Service " + s.getMetadata().getName() + " selects one workload").hasSize(1);
            Set<String> ports = new HashSet<>();
            backends.getFirst().containers().forEach(c -> c.getPorts().forEach(p -> ports.add(p.getName())));
            for (ServicePort port : s.getSpec().getPorts()) {
                assertThat(ports).as("Service " + s.getMetadata().getName() + " targetPort").contains(port.getTargetPort().getStrVal());
            }
        }
        for (PodDisruptionBudget pdb : rendered.all(PodDisruptionBudget.class)) {
            Map<String, String> selector = pdb.getSpec().getSelector().getMatchLabels();
            assertThat(workloads.stream().filter(w -> !(w.manifest().typed() instanceof Job) && matches(selector, w)))
                    .as("PDB " + pdb.getMetadata().getName() + " covers one workload").hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everySecretConfigMapAndClaimReferencedIsRenderedOrDeclaredExisting(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());
        Set<String> secrets = names(rendered.all(Secret.class));
        Set<String> configMaps = names(rendered.all(ConfigMap.class));
        Set<String> claims = names(rendered.all(PersistentVolumeClaim.class));
        Set<String> existing = scenario.existingObjects();

        for (Workload w : rendered.workloads()) {
            for (Container c : w.allContainers()) {
                for (EnvVar env : c.getEnv()) {
                    if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                        assertThat(union(secrets, existing)).as(w.name() + " env " + env.getName())
                                .contains(env.getValueFrom().getSecretKeyRef().getName());
                    }
                }
                c.getEnvFrom().forEach(from -> assertThat(union(secrets, existing)).as(w.name() + " envFrom")
                        .contains(from.getSecretRef().getName()));
                assertThat(c.getEnv().stream().map(EnvVar::getName)).as(w.name() + "/" + c.getName() + " env names")
                        .doesNotHaveDuplicates();
            }
            for (Volume v : w.pod().getVolumes()) {
                if (v.getConfigMap() != null) {
                    assertThat(configMaps).as(w.name() + " volume " + v.getName()).contains(v.getConfigMap().getName());
                }
                if (v.getPersistentVolumeClaim() != null) {
                    assertThat(union(claims, existing)).as(w.name() + " volume " + v.getName())
                            .contains(v.getPersistentVolumeClaim().getClaimName());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void autoscalersIngressesAndServiceMonitorsPointAtRenderedTargets(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());

        for (KedaScaledObject so : rendered.all(KedaScaledObject.class)) {
            Deployment target = rendered.get(Deployment.class, so.spec().scaleTargetRef().name());
            assertThat(so.spec().scaleTargetRef().kind()).isEqualTo("Deployment");
            assertThat(target.getSpec().getReplicas()).as(target.getMetadata().getName()
                    + " leaves replicas to KEDA (a Helm upgrade must not reset them)").isNull();
            String model = env(target.getSpec().getTemplate().getSpec().getContainers().getFirst(), "LUMEN_MODEL_NAME");
            assertThat(so.spec().triggers()).singleElement().satisfies(t -> {
                assertThat(t.type()).isEqualTo("prometheus");
                assertThat(t.metricType()).isEqualTo("AverageValue");
                assertThat(t.metadata().get("query")).contains("lumen_jobs_queued{").contains("model=\"" + model + "\"");
                assertThat(t.metadata()).containsKeys("serverAddress", "threshold", "activationThreshold");
            });
            assertThat(so.spec().maxReplicaCount()).isGreaterThanOrEqualTo(so.spec().minReplicaCount());
            if (so.spec().idleReplicaCount() != null) {
                assertThat(so.spec().idleReplicaCount()).isLessThan(so.spec().minReplicaCount());
            }
            assertThat(so.spec().fallback().replicas()).isNotNull();
        }
        for (HorizontalPodAutoscaler hpa : rendered.all(HorizontalPodAutoscaler.class)) {
            Deployment target = rendered.get(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
            String model = env(target.getSpec().getTemplate().getSpec().getContainers().getFirst(), "LUMEN_MODEL_NAME");
            assertThat(target.getSpec().getReplicas()).isNull();
            assertThat(hpa.getSpec().getMetrics()).singleElement().satisfies(metric -> {
                assertThat(metric.getExternal().getMetric().getName()).isEqualTo("lumen_jobs_queued");
                assertThat(metric.getExternal().getMetric().getSelector().getMatchLabels()).containsEntry("model", model);
            });
        }
        for (Ingress ingress : rendered.all(Ingress.class)) {
            for (IngressRule rule : ingress.getSpec().getRules()) {
                rule.getHttp().getPaths().forEach(path -> {
                    Service service = rendered.get(Service.class, path.getBackend().getService().getName());
                    assertThat(service.getSpec().getPorts().stream().map(ServicePort::getName))
                            .contains(path.getBackend().getService().getPort().getName());
                });
            }
        }
        for (PrometheusServiceMonitor sm : rendered.all(PrometheusServiceMonitor.class)) {
            List<Service> selected = rendered.all(Service.class).stream()
                    .filter(s -> s.getMetadata().getLabels().entrySet().containsAll(sm.spec().selector().getMatchLabels().entrySet()))
                    .toList();
            assertThat(selected).as("ServiceMonitor " + sm.metadata().getName() + " selects one Service").hasSize(1);
            assertThat(sm.spec().endpoints()).allSatisfy(e -> assertThat(selected.getFirst().getSpec().getPorts().stream()
                    .map(ServicePort::getName)).contains(e.port()));
            assertThat(sm.spec().namespaceSelector().matchNames()).containsExactly(LumenChart.NAMESPACE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void gpuWorkersLimitTheirDeviceAndOutliveTheirGracePeriod(Scenario scenario) {
        Rendered rendered = LumenChart.render(scenario.values());
        List<Deployment> workers = rendered.all(Deployment.class).stream()
                .filter(d -> "worker".equals(d.getMetadata().getLabels().get("app.kubernetes.io/component"))).toList();

        assertThat(workers).isNotEmpty();
        for (Deployment d : workers) {
            String where = d.getMetadata().getName();
            var pod = d.getSpec().getTemplate().getSpec();
            Container worker = pod.getContainers().getFirst();
            if (!env(worker, "LUMEN_BACKEND").equals("cpu")) {
                assertThat(worker.getResources().getLimits().keySet()).as(where + " GPU limit (extended resource)")
                        .anyMatch(k -> k.contains("/"));
                assertThat(env(worker, "NVIDIA_DRIVER_CAPABILITIES")).as(where + " Vulkan ICD needs graphics")
                        .contains("graphics");
            }
            long graceSeconds = Long.parseLong(env(worker, "LUMEN_GRACE_PERIOD_MS")) / 1000;
            assertThat(pod.getTerminationGracePeriodSeconds()).as(where + " termination grace")
                    .isGreaterThanOrEqualTo(graceSeconds + 15);
            Probe startup = worker.getStartupProbe();
            assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).as(where
                    + " startup budget (s) for loading and warming a checkpoint").isGreaterThanOrEqualTo(600);
            assertThat(worker.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
            assertThat(worker.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
            assertThat(pod.getVolumes()).as(where + " /dev/shm in memory")
                    .anyMatch(v -> v.getName().equals("shm") && "Memory".equals(v.getEmptyDir().getMedium()));
            assertThat(worker.getVolumeMounts()).as(where + " model mount read-only")
                    .anyMatch(m -> m.getName().equals("models") && Boolean.TRUE.equals(m.getReadOnly()));
        }
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).filter(Objects::nonNull)
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no env " + name));
    }

    private static Probe opt(Probe p) {
        return p;
    }

    private static Object asKubernetes(Object typed) {
        return typed instanceof HasMetadata ? typed : null;
    }

    private static boolean matches(Map<String, String> selector, Workload w) {
        return selector != null && !selector.isEmpty()
                && w.template().getMetadata().getLabels().entrySet().containsAll(selector.entrySet());
    }

    private static Set<String> names(List<? extends HasMetadata> objects) {
        Set<String> names = new HashSet<>();
        objects.forEach(o -> names.add(o.getMetadata().getName()));
        return names;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
