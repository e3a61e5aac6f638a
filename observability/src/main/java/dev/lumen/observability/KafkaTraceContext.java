package dev.lumen.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C Trace Context in Kafka record headers ({@code traceparent}, {@code tracestate}), written on
 * produce and read on consume, the convention OpenTelemetry's Kafka instrumentation uses. The
 * share consumer of the workers has no instrumentation hook, so the services call these by hand.
 * Also encodes a context as a single {@code traceparent} string, for state that must outlive the
 * process (the scheduler keeps it with each job).
 */
public final class KafkaTraceContext {
    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private KafkaTraceContext() {
    }

    /** Writes {@code context}'s trace into {@code headers} (replacing any earlier trace headers). */
    public static void inject(OpenTelemetry otel, Context context, Headers headers) {
        otel.getPropagators().getTextMapPropagator().inject(context, headers, SETTER);
    }

    /** The remote parent carried by {@code headers}, or the root context when they carry none. */
    public static Context extract(OpenTelemetry otel, Headers headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, GETTER);
    }

    /** {@code context} as its {@code traceparent} value, or null when it holds no valid span. */
    public static String traceparent(OpenTelemetry otel, Context context) {
        Map<String, String> carrier = new HashMap<>();
        otel.getPropagators().getTextMapPropagator().inject(context, carrier, Map::put);
        return carrier.get("traceparent");
    }

    /** The context a {@code traceparent} value names (the root context for null or a malformed value). */
    public static Context fromTraceparent(OpenTelemetry otel, String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), Map.of("traceparent", traceparent),
                MAP_GETTER);
    }
}
