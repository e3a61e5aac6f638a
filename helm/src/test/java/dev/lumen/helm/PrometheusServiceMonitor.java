package dev.lumen.helm;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * The Prometheus operator's {@code monitoring.coreos.com/v1 ServiceMonitor}, as far as the chart
 * uses it (selector, namespaceSelector, endpoints with port, path, interval, scrapeTimeout). An
 * unknown field is a read error.
 */
record PrometheusServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
    record Spec(LabelSelector selector, NamespaceSelector namespaceSelector, List<Endpoint> endpoints) {
    }

    record NamespaceSelector(List<String> matchNames) {
    }

    record Endpoint(String port, String path, String interval, String scrapeTimeout) {
    }
}
