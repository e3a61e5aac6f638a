package dev.lumen.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.NopAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Helm's output into the typed Kubernetes model, refusing anything the model does not know.
 * fabric8's classes catch unknown fields in an "additional properties" map; this reader switches
 * that off (an annotation introspector that denies every any-setter) and fails on unknown
 * properties instead, so a misspelt field in a template ({@code readinesProbe},
 * {@code securityContext.runAsUsr}) is an error naming its path. Kinds without a fabric8 model
 * (KEDA's ScaledObject, the Prometheus operator's ServiceMonitor) are read into records of the
 * fields their CRDs define that the chart uses, with the same strictness.
 */
final class StrictKubernetesReader {
    /** One rendered document: the template it came from, its raw tree, and the typed object. */
    record Manifest(String source, String kind, String name, JsonNode tree, Object typed) {
        <T> T as(Class<T> type) {
            return type.cast(typed);
        }
    }

    private static final Map<String, Class<?>> TYPES = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("keda.sh/v1alpha1/ScaledObject", KedaScaledObject.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", PrometheusServiceMonitor.class));

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("no-additional-properties") {
                @Override
                public void setupModule(SetupContext context) {
                    super.setupModule(context);
                    context.insertAnnotationIntrospector(new NopAnnotationIntrospector() {
                        @Override
                        public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                            return Boolean.FALSE;
                        }
                    });
                }
            })
            .build();

    private StrictKubernetesReader() {
    }

    /** Every document of a `helm template` output, typed; fails naming the template and the field. */
    static List<Manifest> read(String rendered) {
        List<Manifest> manifests = new ArrayList<>();
        for (String document : rendered.split("(?m)^---\\s*$")) {
            String source = document.lines().filter(l -> l.startsWith("# Source: ")).findFirst()
                    .map(l -> l.substring("# Source: ".length())).orElse("?");
            JsonNode tree = YAML.readTree(document);
            if (tree == null || tree.isMissingNode() || tree.isNull() || tree.isEmpty()) {
                continue;
            }
            String apiVersion = tree.path("apiVersion").asString("");
            String kind = tree.path("kind").asString("");
            Class<?> type = TYPES.get(apiVersion + "/" + kind);
            if (type == null) {
                throw new AssertionError(source + ": no typed model for " + apiVersion + " " + kind
                        + " (add it to StrictKubernetesReader if the chart really needs it)");
            }
            Object typed;
            try {
                typed = STRICT.treeToValue(tree, type);
            } catch (JacksonException e) {
                throw new AssertionError(source + " (" + kind + "): " + e.getOriginalMessage() + " at "
                        + e.getPathReference(), e);
            }
            manifests.add(new Manifest(source, kind, tree.path("metadata").path("name").asString(""), tree, typed));
        }
        return List.copyOf(manifests);
    }

    /** Reads a value strictly; used by tests that check the reader itself. */
    static <T> T readStrict(String yaml, Class<T> type) {
        return STRICT.treeToValue(YAML.readTree(yaml), type);
    }
}
