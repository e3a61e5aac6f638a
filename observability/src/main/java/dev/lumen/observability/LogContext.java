package dev.lumen.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The job a thread works on, in the logging MDC: {@code jobId}, and {@code traceId} and
 * {@code spanId} of the span it runs in, so every log line written meanwhile names them (the log
 * pattern prints the MDC). Closing restores what the MDC held before, so scopes nest.
 */
public final class LogContext implements AutoCloseable {
    public static final String JOB_ID = "jobId";
    public static final String TRACE_ID = "traceId";
    public static final String SPAN_ID = "spanId";

    private final Map<String, String> previous = new HashMap<>();

    private LogContext(Map<String, String> values) {
        values.forEach((key, value) -> {
            previous.put(key, MDC.get(key));
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }

    /** Puts {@code jobId} and the span's trace and span ids (when it is a valid span) in the MDC. */
    public static LogContext job(String jobId, Span span) {
        Map<String, String> values = new HashMap<>();
        values.put(JOB_ID, jobId);
        SpanContext context = span == null ? SpanContext.getInvalid() : span.getSpanContext();
        values.put(TRACE_ID, context.isValid() ? context.getTraceId() : null);
        values.put(SPAN_ID, context.isValid() ? context.getSpanId() : null);
        return new LogContext(values);
    }

    /** Puts only {@code jobId} in the MDC (trace ids are left as they are). */
    public static LogContext job(String jobId) {
        Map<String, String> values = new HashMap<>();
        values.put(JOB_ID, jobId);
        return new LogContext(values);
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }
}
