package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lumen.observability.JobSpans;
import dev.lumen.observability.LogContext;
import dev.lumen.observability.MetricsEndpoint;
import dev.lumen.observability.Tracing;
import dev.lumen.worker.Backend;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One job through the whole platform (real HTTP, the real broker, S3 server, scheduler and worker)
 * leaves the metrics of platform-anchors §6.2 in the gateway's Prometheus scrape, one trace whose
 * spans in gateway, scheduler and worker hang together through the Kafka headers (checked parent by
 * parent, starting from the client's own {@code traceparent}), and its job id in the MDC of the log
 * lines about it.
 */
class StandaloneObservabilityTest {
    private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ([-+0-9.eE]+|NaN)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @TempDir
    static Path data;

    private static StandalonePlatform platform;

    @BeforeAll
    static void start() throws Exception {
        Path model = Path.of(StandaloneObservabilityTest.class.getResource("/pixart-tiny/model").toURI());
        platform = StandalonePlatform.start(new StandalonePlatform.Options(model, "pixart-tiny", null, 64, 4, 0, 0, 0, data,
                        Backend.CPU),
                new StandalonePlatform.Observability(MetricsEndpoint.registry("lumen"),
                        service -> Tracing.build(service, SPANS, true)));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void aJobLeavesItsMetricsOneTraceAcrossTheServicesAndItsIdInTheLogs() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        Map<Series, Double> before = scrape();

        String traceId = HexFormat.of().formatHex(random(16));
        String clientSpanId = HexFormat.of().formatHex(random(8));
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs"))
                .header("Content-Type", "application/json").header("traceparent", "00-" + traceId + "-" + clientSpanId + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"pixart-tiny\", \"prompt\": \"a blue square\","
                        + " \"size\": \"64x64\", \"steps\": 4, \"seed\": 11}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(accepted.body());
        assertThat(id.find()).isTrue();
        String jobId = id.group(1);
        awaitStatus(jobId, "succeeded");
        // The worker's delivery span ends with the acknowledgement, just after the completion event.
        SpanData workerProcess = awaitSpan(jobId, "process lumen.tasks.standalone");
        root.detachAppender(logs);
        Map<Series, Double> after = scrape();

        // Metrics: one job's worth of each.
        Map<String, String> job = Map.of("pool", "standalone", "model", "pixart-tiny");
        assertThat(delta(before, after, "lumen_jobs_total", with(job, "outcome", "succeeded"))).isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_e2e_latency_seconds_count", with(job, "outcome", "succeeded"))).isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_e2e_latency_seconds_bucket", with(with(job, "outcome", "succeeded"), "le", "+Inf")))
                .isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_queue_time_seconds_count", with(job, "priority", "0"))).isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_inference_time_seconds_count",
                with(with(job, "steps", "4"), "resolution", "256"))).isEqualTo(1);
        assertThat(delta(before, after, "lumen_denoise_step_seconds_count", with(job, "backend", "cpu"))).isEqualTo(4);
        assertThat(delta(before, after, "lumen_images_generated_total", job)).isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_deliveries_total", Map.of("pool", "standalone"))).isEqualTo(1);
        assertThat(delta(before, after, "lumen_job_redeliveries_total", Map.of())).isZero();
        assertThat(delta(before, after, "lumen_storage_put_seconds_count", Map.of("outcome", "success"))).isEqualTo(2);
        assertThat(delta(before, after, "lumen_gateway_jobs_accepted_total", Map.of("api", "jobs"))).isEqualTo(1);
        assertThat(value(after, "lumen_model_load_seconds_count", Map.of("model", "pixart-tiny"))).isEqualTo(1);
        assertThat(value(after, "lumen_models_loaded", Map.of("model", "pixart-tiny"))).isEqualTo(1);
        // The gauges were set while the job waited and ran (their series exist) and are back to 0.
        assertThat(after.keySet()).anyMatch(s -> s.name().equals("lumen_jobs_running") && s.labels().get("pool").equals("standalone"));
        assertThat(value(after, "lumen_jobs_queued", Map.of())).isZero();
        assertThat(value(after, "lumen_jobs_running", Map.of())).isZero();

        // Traces: one trace, from the client's span through every service, parent by parent.
        List<SpanData> spans = SPANS.getFinishedSpanItems().stream()
                .filter(s -> jobId.equals(s.getAttributes().get(JobSpans.JOB_ID))).toList();
        assertThat(spans).allMatch(s -> s.getTraceId().equals(traceId));
        SpanData gatewaySend = span(spans, "send lumen.jobs");
        SpanData schedulerProcess = span(spans, "process lumen.jobs");
        SpanData schedulerSend = span(spans, "send lumen.tasks.standalone");
        SpanData generate = span(spans, "generate");
        SpanData upload = span(spans, "upload images");
        assertThat(service(gatewaySend)).isEqualTo("lumen-gateway");
        assertThat(service(schedulerProcess)).isEqualTo("lumen-scheduler");
        assertThat(service(schedulerSend)).isEqualTo("lumen-scheduler");
        assertThat(service(workerProcess)).isEqualTo("lumen-worker");
        assertThat(service(generate)).isEqualTo("lumen-worker");
        assertThat(gatewaySend.getParentSpanId()).isEqualTo(clientSpanId);
        assertThat(schedulerProcess.getParentSpanId()).isEqualTo(gatewaySend.getSpanId());
        assertThat(schedulerSend.getParentSpanId()).isEqualTo(schedulerProcess.getSpanId());
        assertThat(workerProcess.getParentSpanId()).isEqualTo(schedulerSend.getSpanId());
        assertThat(generate.getParentSpanId()).isEqualTo(workerProcess.getSpanId());
        assertThat(upload.getParentSpanId()).isEqualTo(generate.getSpanId());
        assertThat(List.of(gatewaySend, schedulerSend)).allMatch(s -> s.getKind() == SpanKind.PRODUCER);
        assertThat(List.of(schedulerProcess, workerProcess)).allMatch(s -> s.getKind() == SpanKind.CONSUMER);
        assertThat(workerProcess.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
        assertThat(workerProcess.getAttributes().get(JobSpans.OUTCOME)).isEqualTo("accept");

        // Logs: every line that names the job as a key-value has it in the MDC too, and each service
        // logged at least one line about it with the trace id.
        List<ILoggingEvent> aboutJob = logs.list.stream().filter(e -> jobId.equals(kv(e, "jobId"))).toList();
        assertThat(aboutJob).isNotEmpty().allSatisfy(e -> assertThat(e.getMDCPropertyMap())
                .as(e.getLoggerName() + ": " + e.getFormattedMessage()).containsEntry(LogContext.JOB_ID, jobId));
        List<ILoggingEvent> withJob = logs.list.stream()
                .filter(e -> jobId.equals(e.getMDCPropertyMap().get(LogContext.JOB_ID))).toList();
        for (String service : List.of("dev.lumen.gateway.", "dev.lumen.scheduler.", "dev.lumen.worker.")) {
            assertThat(withJob).as(service).anyMatch(e -> e.getLoggerName().startsWith(service)
                    && traceId.equals(e.getMDCPropertyMap().get(LogContext.TRACE_ID)));
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        do {
            ThreadLocalRandom.current().nextBytes(b);
        } while (b[0] == 0);
        return b;
    }

    private static String kv(ILoggingEvent event, String key) {
        if (event.getKeyValuePairs() == null) {
            return null;
        }
        return event.getKeyValuePairs().stream().filter(p -> p.key.equals(key)).map(p -> String.valueOf(p.value))
                .findFirst().orElse(null);
    }

    private static String service(SpanData span) {
        return span.getResource().getAttribute(AttributeKey.stringKey("service.name"));
    }

    private static SpanData span(List<SpanData> spans, String name) {
        List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named '" + name + "' among " + spans.stream().map(SpanData::getName).toList()).hasSize(1);
        return named.getFirst();
    }

    private static SpanData awaitSpan(String jobId, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<SpanData> found = SPANS.getFinishedSpanItems().stream()
                    .filter(s -> s.getName().equals(name) && jobId.equals(s.getAttributes().get(JobSpans.JOB_ID))).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no span '" + name + "' for " + jobId + " within 30 s; spans: "
                + SPANS.getFinishedSpanItems().stream().map(SpanData::getName).toList());
    }

    private static void awaitStatus(String jobId, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/" + jobId)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains("\"status\":\"" + status + "\"") || body.contains("\"status\": \"" + status + "\"")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + jobId + " not " + status + " within 120 s: " + body);
    }

    /** Every series of the gateway's scrape (which carries the meters of all services here). */
    private static Map<Series, Double> scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl()
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Map<Series, Double> series = new HashMap<>();
        for (String line : response.body().split("\n")) {
            Matcher m = SERIES.matcher(line);
            if (line.startsWith("#") || !m.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            series.put(new Series(m.group(1), labels), Double.parseDouble(m.group(3)));
        }
        return series;
    }

    private record Series(String name, Map<String, String> labels) {
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> m = new HashMap<>(labels);
        m.put(key, value);
        return m;
    }

    /** Sum of the series named {@code name} whose labels include {@code match}. */
    private static double value(Map<Series, Double> scrape, String name, Map<String, String> match) {
        return scrape.entrySet().stream().filter(e -> e.getKey().name().equals(name)
                && e.getKey().labels().entrySet().containsAll(match.entrySet())).mapToDouble(Map.Entry::getValue).sum();
    }

    private static double delta(Map<Series, Double> before, Map<Series, Double> after, String name, Map<String, String> match) {
        return value(after, name, match) - value(before, name, match);
    }
}
