package dev.lumen.worker;

import dev.lumen.contracts.DeadLetter;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.WorkerEvent;
import dev.lumen.observability.KafkaTraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes worker events and dead letters, keyed by job id so one job's events stay ordered on one
 * partition. The producer is idempotent with {@code acks=all}, so a retried send neither
 * duplicates nor reorders. Thread-safe (KafkaProducer is): the engine thread writes events, the
 * consumer thread failures and dead letters.
 *
 * <p>Progress and started events are sent without waiting (losing one is harmless); terminal
 * events and dead letters are awaited, because the task record is acknowledged right after them
 * and must not be acknowledged for a report that never reached the broker.
 *
 * <p>Each record carries the calling thread's current trace context in its headers
 * ({@code traceparent}), so the scheduler's view of an event joins the job's trace.
 */
final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaProducer<String, byte[]> producer;
    private final WorkerTopics topics;
    private final OpenTelemetry otel;

    Publisher(WorkerConfig config, OpenTelemetry otel) {
        this.topics = config.topics();
        this.otel = otel;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, "lumen-worker-" + config.workerId(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // Progress events come in bursts of one per step; a few ms of linger batches them.
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends without waiting; a failure is logged. */
    void eventAsync(WorkerEvent event) {
        producer.send(traced(new ProducerRecord<>(topics.events(), event.jobId(), Messages.encode(event))), (metadata, e) -> {
            if (e != null) {
                log.warn("event not written type={} jobId={} taskId={} error={}", event.type().wire(), event.jobId(),
                        event.taskId(), e.toString());
            }
        });
    }

    /** Sends and waits for the broker's acknowledgement. */
    void event(WorkerEvent event) {
        await(producer.send(traced(new ProducerRecord<>(topics.events(), event.jobId(), Messages.encode(event)))),
                event.type().wire() + " event of job " + event.jobId());
    }

    /** Sends a dead letter and waits for the broker's acknowledgement. */
    void deadLetter(DeadLetter letter) {
        await(producer.send(traced(new ProducerRecord<>(topics.deadLetter(), letter.key(), Messages.encode(letter)))),
                "dead letter of " + letter.key());
    }

    private ProducerRecord<String, byte[]> traced(ProducerRecord<String, byte[]> record) {
        KafkaTraceContext.inject(otel, Context.current(), record.headers());
        return record;
    }

    private static void await(Future<RecordMetadata> send, String what) {
        try {
            send.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PublishException("writing the " + what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("writing the " + what + " timed out after " + SEND_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while writing the " + what, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
