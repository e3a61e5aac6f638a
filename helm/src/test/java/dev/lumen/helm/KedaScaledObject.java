package dev.lumen.helm;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * KEDA's {@code keda.sh/v1alpha1 ScaledObject}, as far as the chart uses it: the fields of the
 * KEDA 2.x CRD (spec.scaleTargetRef, min/max/idleReplicaCount, pollingInterval, cooldownPeriod,
 * fallback, advanced.horizontalPodAutoscalerConfig.behavior, triggers). An unknown field is a
 * read error, as for the fabric8 types.
 */
record KedaScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
    record Spec(ScaleTargetRef scaleTargetRef, Integer minReplicaCount, Integer maxReplicaCount,
                Integer idleReplicaCount, Integer pollingInterval, Integer cooldownPeriod, Fallback fallback,
                Advanced advanced, List<Trigger> triggers) {
    }

    record ScaleTargetRef(String apiVersion, String kind, String name) {
    }

    record Fallback(Integer failureThreshold, Integer replicas) {
    }

    record Advanced(HpaConfig horizontalPodAutoscalerConfig) {
    }

    record HpaConfig(io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior behavior) {
    }

    /** A trigger; the Prometheus scaler's metadata keys are strings (serverAddress, query, threshold, …). */
    record Trigger(String type, String metricType, Map<String, String> metadata) {
    }
}
