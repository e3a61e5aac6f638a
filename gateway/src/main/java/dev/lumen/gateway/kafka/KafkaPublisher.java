package dev.lumen.gateway.kafka;

import dev.lumen.contracts.Message;
import dev.lumen.contracts.Messages;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.observability.KafkaTraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The gateway's one Kafka producer behind a Reactor face. Idempotent with {@code acks=all}, so a
 * completed {@link #publish} means the record is on every in-sync replica: the API answers 202 only
 * after that, and accepted work is never lost. {@code KafkaProducer.send} can block (metadata
 * fetch, full buffer) for up to {@code max.block.ms}, so it is called on the bounded-elastic
 * scheduler, never on a Netty thread; its callback completes a future that becomes the Mono.
 */
@Component
public class KafkaPublisher implements DisposableBean {
    private final Producer<String, byte[]> producer;
    private final String prefix;
    private final OpenTelemetry otel;

    public KafkaPublisher(GatewayProperties properties, OpenTelemetry otel) {
        this.otel = otel;
        GatewayProperties.Kafka kafka = properties.kafka();
        long delivery = kafka.sendTimeout().toMillis();
        // delivery.timeout.ms must be >= linger.ms + request.timeout.ms; give a request half the budget.
        long request = Math.max(1, delivery / 2);
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, kafka.clientId() + "-producer",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(delivery, Duration.ofSeconds(5).toMillis())),
                new StringSerializer(), new ByteArraySerializer());
        this.prefix = kafka.topicPrefix();
    }

    /** A topic's name in this installation, e.g. {@code lumen.jobs} under the configured prefix. */
    public String topic(String name) {
        return prefix + name;
    }

    /**
     * Publishes {@code message} to {@code topic(name)} with {@code key}; completes when the broker
     * acknowledged it, on a parallel-scheduler thread (not the producer's I/O thread).
     */
    public Mono<RecordMetadata> publish(String name, String key, Message message) {
        return publish(name, key, message, Context.root());
    }

    /** As {@link #publish(String, String, Message)}, with {@code trace}'s W3C trace context in the record's headers. */
    public Mono<RecordMetadata> publish(String name, String key, Message message, Context trace) {
        return Mono.fromCallable(() -> Messages.encode(message))
                .flatMap(bytes -> Mono.fromFuture(() -> {
                    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic(name), key, bytes);
                    KafkaTraceContext.inject(otel, trace, record.headers());
                    return send(record);
                }))
                .subscribeOn(Schedulers.boundedElastic())
                .publishOn(Schedulers.parallel());
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    @Override
    public void destroy() {
        producer.close(Duration.ofSeconds(5));
    }
}
