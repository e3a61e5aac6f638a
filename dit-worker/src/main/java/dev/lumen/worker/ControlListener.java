package dev.lumen.worker;

import dev.lumen.contracts.ContractException;
import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.Messages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code lumen.control} on its own thread and marks cancelled jobs in the
 * {@link CancelRegistry}. Every worker must see every cancel (any worker may be running the job),
 * so instead of a consumer group per instance it assigns itself all partitions and starts at their
 * end: same "latest, everything" semantics, but no group join to wait for, no committed offsets
 * and no orphaned group per restarted instance. Cancels written before the worker started are not
 * seen; the scheduler ends such jobs after its cancel timeout. Positions are resolved before
 * {@link #start} returns, so a cancel sent once the worker is ready is never missed.
 */
final class ControlListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, byte[]> consumer;
    private final CancelRegistry cancels;
    private final Thread thread;
    private volatile boolean closed;

    private ControlListener(KafkaConsumer<String, byte[]> consumer, CancelRegistry cancels, String workerId) {
        this.consumer = consumer;
        this.cancels = cancels;
        this.thread = Thread.ofPlatform().name("lumen-worker-" + workerId + "-control").daemon().unstarted(this::run);
    }

    static ControlListener start(WorkerConfig config, CancelRegistry cancels) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, "lumen-worker-" + config.workerId() + "-control",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        try {
            String topic = config.topics().control();
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (partitions == null || partitions.isEmpty()) {
                throw new WorkerStartException("control topic " + topic + " does not exist", null);
            }
            List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(assigned);
            consumer.seekToEnd(assigned);
            assigned.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30)));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e instanceof WorkerStartException w ? w
                    : new WorkerStartException("cannot read control topic " + config.topics().control(), e);
        }
        ControlListener listener = new ControlListener(consumer, cancels, config.workerId());
        listener.thread.start();
        return listener;
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    handle(record);
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                log.error("control consumer woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            // Without this thread cancels are missed, but tasks still finish; the scheduler's cancel
            // timeout ends the jobs. Logged loudly rather than taking the worker down.
            log.error("control consumer stopped; cancels will not reach this worker", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        try {
            ControlMessage message = Messages.decode(record.value(), ControlMessage.class);
            if (message.type() == ControlMessage.Type.CANCEL) {
                cancels.cancel(message.jobId());
                log.info("cancel received jobId={} tenant={}", message.jobId(), message.tenant());
            }
        } catch (ContractException e) {
            log.warn("unreadable control message skipped key={} offset={} error={}", record.key(), record.offset(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
