package dev.lumen.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The names the Helm chart, the KEDA trigger and the dashboard query, as Prometheus sees them
 * through {@code GET /metrics}: every meter of {@link LumenMetrics} once recorded, rendered with
 * base units, {@code _total} and histogram buckets.
 */
class MetricsEndpointTest {
    private HttpServer server;
    private PrometheusMeterRegistry registry;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        registry = MetricsEndpoint.registry("lumen-test");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        MetricsEndpoint.mount(server, registry);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpResponse<String> get(String method) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics"))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesEveryLumenMetricUnderItsPrometheusName() throws Exception {
        LumenMetrics.queueTime(registry, "xl-1024", "pixart-xl", 0).record(Duration.ofMillis(300));
        LumenMetrics.e2eLatency(registry, "xl-1024", "pixart-xl", "succeeded").record(Duration.ofSeconds(7));
        LumenMetrics.jobs(registry, "xl-1024", "pixart-xl", "succeeded").increment();
        LumenMetrics.inferenceTime(registry, "xl-1024", "pixart-xl", 20, 1024, 768).record(Duration.ofSeconds(6));
        LumenMetrics.denoiseStep(registry, "xl-1024", "pixart-xl", "vulkan").record(Duration.ofMillis(280));
        LumenMetrics.deliveries(registry, "xl-1024").increment();
        LumenMetrics.redeliveries(registry, "xl-1024", "lock_expired").increment();
        LumenMetrics.imagesGenerated(registry, "xl-1024", "pixart-xl").increment(4);
        LumenMetrics.modelLoad(registry, "pixart-xl").record(Duration.ofSeconds(40));
        LumenMetrics.storagePut(registry, "success").record(Duration.ofMillis(20));
        LumenMetrics.rateLimitRejections(registry, "quota").increment();
        AtomicInteger queued = new AtomicInteger(3);
        Gauge.builder(LumenMetrics.JOBS_QUEUED, queued, AtomicInteger::get).tag("pool", "xl-1024").tag("model", "pixart-xl")
                .tag("priority", "0").register(registry);

        HttpResponse<String> response = get("GET");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String body = response.body();
        assertThat(body)
                .contains("lumen_jobs_queued{application=\"lumen-test\",model=\"pixart-xl\",pool=\"xl-1024\",priority=\"0\"} 3.0")
                .contains("lumen_job_queue_time_seconds_bucket{application=\"lumen-test\",model=\"pixart-xl\",pool=\"xl-1024\",priority=\"0\",le=\"0.5\"} 1")
                .contains("lumen_job_queue_time_seconds_bucket{application=\"lumen-test\",model=\"pixart-xl\",pool=\"xl-1024\",priority=\"0\",le=\"0.25\"} 0")
                .contains("lumen_job_e2e_latency_seconds_count{application=\"lumen-test\",model=\"pixart-xl\",outcome=\"succeeded\",pool=\"xl-1024\"} 1")
                .contains("lumen_jobs_total{application=\"lumen-test\",model=\"pixart-xl\",outcome=\"succeeded\",pool=\"xl-1024\"} 1.0")
                .contains("lumen_job_inference_time_seconds_sum{application=\"lumen-test\",model=\"pixart-xl\",pool=\"xl-1024\",resolution=\"1024\",steps=\"20\"} 6.0")
                .contains("lumen_denoise_step_seconds_bucket{application=\"lumen-test\",backend=\"vulkan\",model=\"pixart-xl\",pool=\"xl-1024\",le=\"0.5\"} 1")
                .contains("lumen_job_deliveries_total{application=\"lumen-test\",pool=\"xl-1024\"} 1.0")
                .contains("lumen_job_redeliveries_total{application=\"lumen-test\",pool=\"xl-1024\",reason=\"lock_expired\"} 1.0")
                .contains("lumen_images_generated_total{application=\"lumen-test\",model=\"pixart-xl\",pool=\"xl-1024\"} 4.0")
                .contains("lumen_model_load_seconds_count{application=\"lumen-test\",model=\"pixart-xl\"} 1")
                .contains("lumen_storage_put_seconds_count{application=\"lumen-test\",outcome=\"success\"} 1")
                .contains("lumen_ratelimit_rejections_total{application=\"lumen-test\",reason=\"quota\"} 1.0")
                .contains("jvm_memory_used_bytes")
                .contains("process_uptime_seconds");
        // Explicit buckets only: a step histogram has its 12 bounds and +Inf, not Micrometer's ~70 defaults.
        assertThat(body.lines().filter(l -> l.startsWith("lumen_denoise_step_seconds_bucket"))).hasSize(13);
    }

    @Test
    void headAnswersWithoutBodyAndOtherMethodsAreRefused() throws Exception {
        assertThat(get("HEAD").statusCode()).isEqualTo(200);
        HttpResponse<String> post = get("POST");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    @Test
    void resolutionLabelsStayAHandfulOfClasses() {
        assertThat(LumenMetrics.resolutionClass(64, 64)).isEqualTo("256");
        assertThat(LumenMetrics.resolutionClass(512, 256)).isEqualTo("512");
        assertThat(LumenMetrics.resolutionClass(768, 1024)).isEqualTo("1024");
        assertThat(LumenMetrics.resolutionClass(1025, 512)).isEqualTo("2048");
        assertThat(LumenMetrics.resolutionClass(4096, 4096)).isEqualTo("4096");
    }
}
