package dev.lumen.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One broker for the class; each test uses its own topics and groups. */
class EmbeddedKafkaTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void producesAndConsumes() {
        kafka.createTopics(TopicSpec.of("plain", 1));
        produce("plain", "a", "b", "c");
        assertThat(consumeAll("plain", 3)).containsExactly("a", "b", "c");
    }

    @Test
    void createTopicsIsIdempotentAndCompactsJobState() throws Exception {
        List<TopicSpec> specs = TopicSpec.lumen("t1.", 2, List.of("pixart-512"));
        kafka.createTopics(specs);
        kafka.createTopics(specs);
        try (Admin admin = kafka.admin()) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of("t1.lumen.jobs", "t1.lumen.tasks.pixart-512"))
                    .allTopicNames().get(10, TimeUnit.SECONDS);
            assertThat(topics.get("t1.lumen.jobs").partitions()).hasSize(2);
            ConfigResource state = new ConfigResource(ConfigResource.Type.TOPIC, "t1.lumen.job-state");
            var config = admin.describeConfigs(List.of(state)).all().get(10, TimeUnit.SECONDS).get(state);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            // Daily segments, so tombstoned jobs are compacted away within days (ADR 0016).
            assertThat(config.get("segment.ms").value()).isEqualTo("86400000");
        }
    }

    @Test
    void shareConsumerAcknowledgeSemantics() {
        kafka.createTopics(TopicSpec.of("tasks", 1));
        kafka.setShareAutoOffsetResetEarliest("workers");
        // Produced before the group ever polled: only reachable because the group reads from earliest.
        produce("tasks", "accept-me", "release-me", "reject-me");
        try (KafkaShareConsumer<String, String> consumer = shareConsumer("workers")) {
            List<ConsumerRecord<String, String>> first = pollShare(consumer, 3);
            assertThat(first).extracting(ConsumerRecord::value).containsExactly("accept-me", "release-me", "reject-me");
            assertThat(first).allSatisfy(r -> assertThat(r.deliveryCount()).contains((short) 1));
            consumer.acknowledge(first.get(0), AcknowledgeType.ACCEPT);
            consumer.acknowledge(first.get(1), AcknowledgeType.RELEASE);
            consumer.acknowledge(first.get(2), AcknowledgeType.REJECT);
            consumer.commitSync();

            List<ConsumerRecord<String, String>> again = pollShare(consumer, 1);
            assertThat(again).extracting(ConsumerRecord::value).containsExactly("release-me");
            assertThat(again.getFirst().deliveryCount()).contains((short) 2);
            consumer.acknowledge(again.getFirst(), AcknowledgeType.ACCEPT);
            consumer.commitSync();

            assertThat(consumer.poll(Duration.ofMillis(500)).count()).isZero();
        }
    }

    @Test
    void restartKeepsRecordsAndAddress() {
        kafka.createTopics(TopicSpec.of("durable", 1));
        produce("durable", "before-restart");
        String address = kafka.bootstrapServers();
        kafka.stop();
        assertThat(kafka.running()).isFalse();
        kafka.start();
        assertThat(kafka.bootstrapServers()).isEqualTo(address);
        produce("durable", "after-restart");
        assertThat(consumeAll("durable", 2)).containsExactly("before-restart", "after-restart");
    }

    private static void produce(String topic, String... values) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value, value));
            }
            producer.flush();
        }
    }

    private static List<String> consumeAll(String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (values.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }

    private static KafkaShareConsumer<String, String> shareConsumer(String group) {
        KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"), new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of("tasks"));
        return consumer;
    }

    private static List<ConsumerRecord<String, String>> pollShare(KafkaShareConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (records.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
