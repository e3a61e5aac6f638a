package dev.lumen.gateway.observability;

import dev.lumen.observability.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;

/**
 * The gateway's OpenTelemetry SDK, from the standard {@code OTEL_*} environment variables (OTLP
 * export off unless an endpoint is set; see {@link Tracing}). A process embedding the gateway
 * (the standalone platform, tests) may register its own {@link OpenTelemetry} bean instead.
 */
@Configuration(proxyBeanMethods = false)
public class TracingConfiguration {
    private static final TextMapGetter<HttpHeaders> HTTP_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.headerNames();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.getFirst(key);
        }
    };

    /** Closed with the context (its inferred {@code close()}), which flushes spans still batched. */
    @Bean
    @ConditionalOnMissingBean(OpenTelemetry.class)
    public OpenTelemetrySdk lumenOpenTelemetry() {
        return Tracing.fromEnv("lumen-gateway", System.getenv());
    }

    /** The caller's trace context from the request's {@code traceparent} header; the root context when it sends none. */
    public static Context remoteParent(OpenTelemetry otel, HttpHeaders headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, HTTP_HEADERS);
    }
}
