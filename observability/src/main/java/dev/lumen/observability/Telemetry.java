package dev.lumen.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.util.Objects;

/**
 * What a service reports through: the meter registry its metrics go to and the OpenTelemetry
 * instance its spans come from. A process builds one per service ({@link Tracing#fromEnv} and a
 * Prometheus registry), tests hand in an in-memory exporter, and the standalone platform shares
 * one among all the services it runs.
 */
public record Telemetry(MeterRegistry meters, OpenTelemetry openTelemetry) {
    /** The instrumentation scope name of Lumen's spans. */
    public static final String SCOPE = "dev.lumen";

    public Telemetry {
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
    }

    /** Metrics kept in memory and read by nobody, no spans: for callers that do not observe. */
    public static Telemetry none() {
        return new Telemetry(new SimpleMeterRegistry(), OpenTelemetry.noop());
    }

    public Tracer tracer() {
        return openTelemetry.getTracer(SCOPE);
    }
}
