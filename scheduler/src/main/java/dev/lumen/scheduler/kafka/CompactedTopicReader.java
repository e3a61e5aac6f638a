package dev.lumen.scheduler.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads some partitions of a compacted topic from the beginning up to the end offsets seen at the
 * start, and keeps the latest record of each key (a tombstone removes the key). A table snapshot,
 * not a subscription: it uses no consumer group and commits nothing.
 */
public final class CompactedTopicReader {
    private CompactedTopicReader() {
    }

    /** The latest record per key in the given partitions of {@code topic}. */
    public static Map<String, ConsumerRecord<String, byte[]>> read(String bootstrapServers, String topic,
                                                                   Set<Integer> partitions, Duration timeout) {
        Map<String, ConsumerRecord<String, byte[]>> latest = new LinkedHashMap<>();
        if (partitions.isEmpty()) {
            return latest;
        }
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "lumen-scheduler-restore");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(tps, timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey(), timeout) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " to its end took longer than " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() == null) {
                        continue;
                    }
                    if (record.value() == null) {
                        latest.remove(record.key());
                    } else {
                        latest.put(record.key(), record);
                    }
                }
            }
        }
        return latest;
    }
}
