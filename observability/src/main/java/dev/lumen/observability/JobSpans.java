package dev.lumen.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * Span conventions for Lumen jobs: every span names its job ({@code lumen.job.id}, and
 * {@code lumen.job.ids} when a task batches several), Kafka spans carry the messaging attributes
 * of the OpenTelemetry semantic conventions ({@code messaging.system}, {@code
 * messaging.operation.name}, {@code messaging.destination.name}) and are named
 * {@code "<operation> <topic>"}.
 */
public final class JobSpans {
    public static final AttributeKey<String> JOB_ID = AttributeKey.stringKey("lumen.job.id");
    public static final AttributeKey<List<String>> JOB_IDS = AttributeKey.stringArrayKey("lumen.job.ids");
    public static final AttributeKey<String> TASK_ID = AttributeKey.stringKey("lumen.task.id");
    public static final AttributeKey<String> POOL = AttributeKey.stringKey("lumen.pool");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("lumen.outcome");
    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> MESSAGING_OPERATION = AttributeKey.stringKey("messaging.operation.name");
    public static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<Long> DELIVERY_COUNT = AttributeKey.longKey("messaging.kafka.delivery_count");

    private JobSpans() {
    }

    /** A span about one or more jobs (the first is {@code lumen.job.id}); not a Kafka operation. */
    public static Span start(Tracer tracer, String name, SpanKind kind, Context parent, List<String> jobIds) {
        var builder = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
        if (!jobIds.isEmpty()) {
            builder.setAttribute(JOB_ID, jobIds.getFirst());
        }
        if (jobIds.size() > 1) {
            builder.setAttribute(JOB_IDS, List.copyOf(jobIds));
        }
        return builder.startSpan();
    }

    /** A Kafka span: {@code send} (PRODUCER) or {@code process} (CONSUMER) of {@code topic}. */
    public static Span kafka(Tracer tracer, String operation, String topic, Context parent, List<String> jobIds) {
        SpanKind kind = operation.equals("send") ? SpanKind.PRODUCER : SpanKind.CONSUMER;
        Span span = start(tracer, operation + " " + topic, kind, parent, jobIds);
        span.setAttribute(MESSAGING_SYSTEM, "kafka");
        span.setAttribute(MESSAGING_OPERATION, operation);
        span.setAttribute(MESSAGING_DESTINATION, topic);
        return span;
    }
}
