package dev.lumen.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TracingTest {

    @Test
    void aContextInjectedIntoKafkaHeadersIsTheParentOfTheConsumersSpan() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (OpenTelemetrySdk producerSide = Tracing.build("producer", spans, true);
             OpenTelemetrySdk consumerSide = Tracing.build("consumer", spans, true)) {
            Span send = JobSpans.kafka(producerSide.getTracer("t"), "send", "lumen.jobs", Context.root(), List.of("job_1"));
            RecordHeaders headers = new RecordHeaders();
            KafkaTraceContext.inject(producerSide, Context.root().with(send), headers);
            send.end();
            assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .isEqualTo("00-" + send.getSpanContext().getTraceId() + "-" + send.getSpanContext().getSpanId() + "-01");

            Context remote = KafkaTraceContext.extract(consumerSide, headers);
            Span process = JobSpans.kafka(consumerSide.getTracer("t"), "process", "lumen.jobs", remote, List.of("job_1", "job_2"));
            process.end();
            SpanData consumed = spans.getFinishedSpanItems().get(1);
            assertThat(consumed.getTraceId()).isEqualTo(send.getSpanContext().getTraceId());
            assertThat(consumed.getParentSpanId()).isEqualTo(send.getSpanContext().getSpanId());
            assertThat(consumed.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(consumed.getName()).isEqualTo("process lumen.jobs");
            assertThat(consumed.getAttributes().get(JobSpans.JOB_ID)).isEqualTo("job_1");
            assertThat(consumed.getAttributes().get(JobSpans.JOB_IDS)).containsExactly("job_1", "job_2");

            // Kept as a string (the scheduler's job-state header) and read back: the same span.
            String traceparent = KafkaTraceContext.traceparent(consumerSide, Context.root().with(process));
            SpanContext restored = Span.fromContext(KafkaTraceContext.fromTraceparent(consumerSide, traceparent)).getSpanContext();
            assertThat(restored.getSpanId()).isEqualTo(process.getSpanContext().getSpanId());
            assertThat(restored.isRemote()).isTrue();
        }
    }

    @Test
    void recordsWithoutOrWithBrokenTraceHeadersStartANewTrace() {
        try (OpenTelemetrySdk sdk = Tracing.build("x", null, true)) {
            assertThat(Span.fromContext(KafkaTraceContext.extract(sdk, new RecordHeaders())).getSpanContext().isValid()).isFalse();
            RecordHeaders broken = new RecordHeaders();
            broken.add("traceparent", "00-zz-not-a-trace".getBytes(StandardCharsets.UTF_8));
            assertThat(Span.fromContext(KafkaTraceContext.extract(sdk, broken)).getSpanContext().isValid()).isFalse();
            assertThat(Span.fromContext(KafkaTraceContext.fromTraceparent(sdk, null)).getSpanContext().isValid()).isFalse();
            assertThat(KafkaTraceContext.traceparent(sdk, Context.root())).isNull();
        }
    }

    @Test
    void spansGoToTheOtlpEndpointOnlyWhenOneIsConfigured() throws Exception {
        List<String> posts = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            posts.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " " + exchange.getRequestHeaders().getFirst("X-Api-Key")
                    + " " + new String(body, StandardCharsets.ISO_8859_1).contains("lumen-otlp-test"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            String base = "http://127.0.0.1:" + collector.getAddress().getPort();
            try (OpenTelemetrySdk off = Tracing.fromEnv("lumen-otlp-test", Map.of())) {
                off.getTracer("t").spanBuilder("not exported").startSpan().end();
                off.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
            }
            assertThat(posts).isEmpty();
            try (OpenTelemetrySdk on = Tracing.fromEnv("lumen-otlp-test", Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", base + "/",
                    "OTEL_EXPORTER_OTLP_HEADERS", "X-Api-Key=k1"))) {
                on.getTracer("t").spanBuilder("exported").startSpan().end();
                on.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
            }
            assertThat(posts).containsExactly("POST /v1/traces application/x-protobuf k1 true");
        } finally {
            collector.stop(0);
        }
    }

    @Test
    void endpointAndHeaderSettingsFollowTheOtelVariables() {
        assertThat(Tracing.otlpTracesEndpoint(Map.of())).isNull();
        assertThat(Tracing.otlpTracesEndpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"))).isEqualTo("http://c:4318/v1/traces");
        assertThat(Tracing.otlpTracesEndpoint(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4318/custom"))).isEqualTo("http://t:4318/custom");
        assertThat(Tracing.headers("a=1, b = 2,")).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThatThrownBy(() -> Tracing.headers("novalue")).hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS");
    }

    @Test
    void logContextsNestAndRestoreTheMdc() {
        try (OpenTelemetrySdk sdk = Tracing.build("x", null, true)) {
            Span span = sdk.getTracer("t").spanBuilder("s").startSpan();
            try (LogContext outer = LogContext.job("job_a", span)) {
                assertThat(MDC.get("jobId")).isEqualTo("job_a");
                assertThat(MDC.get("traceId")).isEqualTo(span.getSpanContext().getTraceId());
                try (LogContext inner = LogContext.job("job_b")) {
                    assertThat(MDC.get("jobId")).isEqualTo("job_b");
                    assertThat(MDC.get("traceId")).isEqualTo(span.getSpanContext().getTraceId());
                }
                assertThat(MDC.get("jobId")).isEqualTo("job_a");
            }
            span.end();
            assertThat(MDC.get("jobId")).isNull();
            assertThat(MDC.get("traceId")).isNull();
        }
    }
}
