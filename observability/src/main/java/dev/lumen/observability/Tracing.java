package dev.lumen.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the OpenTelemetry SDK a Lumen service traces with. Spans are always made (their trace
 * ids travel through Kafka and into the logs), but exported only when an OTLP endpoint is
 * configured; without one they end in memory. The propagator is W3C Trace Context
 * ({@code traceparent}, {@code tracestate}).
 *
 * <p>Settings use the OpenTelemetry SDK's own environment variable names:
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (the full URL, e.g.
 * {@code http://collector:4318/v1/traces}) or {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the base URL,
 * {@code /v1/traces} is appended), {@code OTEL_EXPORTER_OTLP_HEADERS} ({@code k=v,k2=v2}, e.g. an
 * API key) and {@code OTEL_SERVICE_NAME} (overrides the service's own name). Export is OTLP over
 * HTTP with protobuf, sent by the JDK's HTTP client.
 */
public final class Tracing {
    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    private Tracing() {
    }

    /** The SDK for {@code serviceName}, exporting over OTLP when {@code env} names an endpoint. */
    public static OpenTelemetrySdk fromEnv(String serviceName, Map<String, String> env) {
        String endpoint = otlpTracesEndpoint(env);
        SpanExporter exporter = null;
        if (endpoint != null) {
            OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder().setEndpoint(endpoint);
            headers(env.get("OTEL_EXPORTER_OTLP_HEADERS")).forEach(builder::addHeader);
            exporter = builder.build();
        }
        String name = blankToNull(env.get("OTEL_SERVICE_NAME"));
        OpenTelemetrySdk sdk = build(name != null ? name : serviceName, exporter, false);
        log.atInfo().addKeyValue("service", name != null ? name : serviceName)
                .addKeyValue("otlpEndpoint", endpoint == null ? "off" : endpoint).log("tracing configured");
        return sdk;
    }

    /**
     * An SDK whose spans go to {@code exporter} (none when null): batched for a network exporter,
     * one by one when {@code immediate} (tests read an in-memory exporter right after a call).
     */
    public static OpenTelemetrySdk build(String serviceName, SpanExporter exporter, boolean immediate) {
        SdkTracerProviderBuilder tracer = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName))));
        if (exporter != null) {
            tracer.addSpanProcessor(immediate ? SimpleSpanProcessor.create(exporter)
                    : BatchSpanProcessor.builder(exporter).build());
        }
        return OpenTelemetrySdk.builder()
                .setTracerProvider(tracer.build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }

    static String otlpTracesEndpoint(Map<String, String> env) {
        String traces = blankToNull(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        if (traces != null) {
            return traces;
        }
        String base = blankToNull(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (base == null) {
            return null;
        }
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
    }

    static Map<String, String> headers(String spec) {
        java.util.LinkedHashMap<String, String> headers = new java.util.LinkedHashMap<>();
        if (spec == null) {
            return headers;
        }
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (pair.isBlank()) {
                continue;
            }
            if (eq <= 0) {
                throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_HEADERS: expected key=value, got '" + pair.strip() + "'");
            }
            headers.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return headers;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
