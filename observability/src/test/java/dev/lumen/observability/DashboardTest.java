package dev.lumen.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The Grafana dashboard the chart ships ({@code helm/dashboards/lumen.json}) queries only series
 * the services expose: each {@code lumen_*} name in its expressions is one a registry renders for
 * the meters of {@link LumenMetrics}, and every panel has a query.
 */
class DashboardTest {
    private static final Path DASHBOARD = Path.of("../helm/dashboards/lumen.json");
    private static final Pattern LUMEN_SERIES = Pattern.compile("\\blumen_[a-z0-9_]+");

    @Test
    void everyLumenSeriesTheDashboardQueriesIsExposed() throws Exception {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        assertThat(dashboard.get("uid").asString()).isEqualTo("lumen-overview");
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asString().equals("row")) {
                continue;
            }
            assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asString()));
        }
        dashboard.get("templating").get("list").forEach(v -> {
            if (v.has("definition")) {
                expressions.add(v.get("definition").asString());
            }
        });

        Set<String> exposed = exposedSeries();
        Set<String> queried = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = LUMEN_SERIES.matcher(expr);
            while (m.find()) {
                queried.add(m.group());
            }
        }
        // The gateway's own gauge and counter predate LumenMetrics; the dashboard may use them too.
        exposed.add("lumen_gateway_jobs");
        exposed.add("lumen_gateway_jobs_known");
        exposed.add("lumen_gateway_jobs_accepted_total");
        assertThat(queried).isNotEmpty().allSatisfy(name -> assertThat(exposed).as(name).contains(name));
        // Everything the brief asks to show is on it.
        assertThat(queried).contains("lumen_jobs_queued", "lumen_jobs_running", "lumen_jobs_total",
                "lumen_job_e2e_latency_seconds_bucket", "lumen_job_queue_time_seconds_bucket",
                "lumen_denoise_step_seconds_bucket", "lumen_job_redeliveries_total", "lumen_ratelimit_rejections_total");
    }

    /** The Prometheus series names of every LumenMetrics meter, as a registry renders them. */
    private static Set<String> exposedSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        LumenMetrics.queueTime(registry, "p", "m", 0).record(Duration.ofSeconds(1));
        LumenMetrics.e2eLatency(registry, "p", "m", "succeeded").record(Duration.ofSeconds(1));
        LumenMetrics.jobs(registry, "p", "m", "succeeded").increment();
        LumenMetrics.inferenceTime(registry, "p", "m", 4, 64, 64).record(Duration.ofSeconds(1));
        LumenMetrics.denoiseStep(registry, "p", "m", "cpu").record(Duration.ofSeconds(1));
        LumenMetrics.deliveries(registry, "p").increment();
        LumenMetrics.redeliveries(registry, "p", "redelivered").increment();
        LumenMetrics.imagesGenerated(registry, "p", "m").increment();
        LumenMetrics.modelLoad(registry, "m").record(Duration.ofSeconds(1));
        LumenMetrics.storagePut(registry, "success").record(Duration.ofSeconds(1));
        LumenMetrics.rateLimitRejections(registry, "rate").increment();
        io.micrometer.core.instrument.Gauge.builder(LumenMetrics.JOBS_QUEUED, () -> 1).register(registry);
        io.micrometer.core.instrument.Gauge.builder(LumenMetrics.JOBS_RUNNING, () -> 1).register(registry);
        io.micrometer.core.instrument.Gauge.builder(LumenMetrics.MODELS_LOADED, () -> 1).register(registry);
        Set<String> names = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]")[0]);
            }
        }
        assertThat(registry.getMeters()).extracting(Meter::getId).hasSize(14);
        return names;
    }
}
