package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard the chart ships: valid JSON in a ConfigMap the Grafana sidecar picks up,
 * with panels for queue depth, throughput, latency percentiles, errors and per-step time, querying
 * only metric names that exist: the gateway's today, and the names platform-anchors §6.2 fixes for
 * the observability work, so a renamed metric cannot leave a panel silently empty.
 */
class GrafanaDashboardTest {
    /** Metrics the gateway exposes today (ADR 0004) and Spring Boot's HTTP server histogram. */
    static final Set<String> EXPOSED_TODAY = Set.of("lumen_gateway_jobs_accepted_total", "lumen_gateway_rejections_total",
            "lumen_gateway_jobs_known", "lumen_gateway_jobs", "http_server_requests_seconds_bucket");
    /** platform-anchors §6.2, as the Prometheus registry renders them (histograms as _bucket). */
    static final Set<String> ANCHORED = Set.of("lumen_jobs_queued", "lumen_jobs_running",
            "lumen_job_queue_time_seconds_bucket", "lumen_job_e2e_latency_seconds_bucket",
            "lumen_job_inference_time_seconds_bucket", "lumen_denoise_step_seconds_bucket", "lumen_jobs_total",
            "lumen_job_deliveries_total", "lumen_job_redeliveries_total", "lumen_images_generated_total",
            "lumen_model_load_seconds_bucket", "lumen_models_loaded", "lumen_gpu_memory_used_bytes",
            "lumen_storage_put_seconds_bucket", "lumen_ratelimit_rejections_total");
    /** kube-state-metrics, for ready workers. */
    static final Set<String> CLUSTER = Set.of("kube_deployment_status_replicas_ready");
    static final Pattern METRIC = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\s*\\{");

    static JsonNode dashboard() {
        Rendered r = LumenChart.render(Values.defaults().set("monitoring.grafanaDashboard.enabled", "true"));
        ConfigMap map = r.get(ConfigMap.class, "lumen-grafana-dashboard");
        assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(map.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Lumen");
        return JsonMapper.builder().build().readTree(map.getData().get("lumen.json"));
    }

    static List<String> expressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asString());
            }
        }
        return exprs;
    }

    @Test
    void everyQueryUsesAKnownMetricName() {
        List<String> exprs = expressions(dashboard());
        Set<String> used = new TreeSet<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            boolean any = false;
            while (m.find()) {
                used.add(m.group(1));
                any = true;
            }
            assertThat(any).as("query names a metric: " + expr).isTrue();
        }

        Set<String> known = new TreeSet<>(EXPOSED_TODAY);
        known.addAll(ANCHORED);
        known.addAll(CLUSTER);
        assertThat(known).as("metrics the dashboard queries").containsAll(used);
        assertThat(used).contains("lumen_jobs_queued", "lumen_denoise_step_seconds_bucket", "lumen_job_e2e_latency_seconds_bucket");
    }

    @Test
    void itShowsQueueDepthThroughputLatencyPercentilesErrorsAndStepTimePerPool() {
        JsonNode dashboard = dashboard();
        List<String> titles = new ArrayList<>();
        dashboard.path("panels").forEach(p -> titles.add(p.path("title").asString()));
        String all = String.join("\n", expressions(dashboard));

        assertThat(dashboard.path("uid").asString()).isEqualTo("lumen-overview");
        assertThat(titles).contains("Queued jobs per model", "Jobs finished per second by outcome",
                "End-to-end latency", "Failed jobs per second per model", "Denoising step time per pool");
        assertThat(all).contains("histogram_quantile(0.99, sum by (le, model) (rate(lumen_job_e2e_latency_seconds_bucket");
        assertThat(all).contains("sum by (le, model, backend) (rate(lumen_denoise_step_seconds_bucket");
        assertThat(all).contains("outcome=~\"failed|aborted\"");
        assertThat(dashboard.path("templating").path("list").findValuesAsString("name")).contains("datasource", "namespace");
    }

    @Test
    void theDashboardIsOffByDefault() {
        assertThat(LumenChart.render(Values.defaults()).find(ConfigMap.class, "lumen-grafana-dashboard")).isEmpty();
    }
}
