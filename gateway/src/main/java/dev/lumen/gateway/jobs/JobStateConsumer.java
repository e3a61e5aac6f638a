package dev.lumen.gateway.jobs;

import dev.lumen.contracts.ContractException;
import dev.lumen.contracts.JobState;
import dev.lumen.contracts.Messages;
import dev.lumen.contracts.Topics;
import dev.lumen.gateway.GatewayProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Materialises {@code lumen.job-state} into the {@link JobView}. One platform thread owns the
 * consumer (a Kafka consumer is single-threaded) and reads every partition from the beginning,
 * with no consumer group: each gateway instance needs the whole table, and the topic is compacted
 * so the replay is bounded by the number of jobs. Also the {@code jobState} health indicator, part
 * of readiness: a gateway that has not caught up would answer 404 for jobs that exist.
 */
@Component("jobStateHealthIndicator")
public class JobStateConsumer implements SmartLifecycle, HealthIndicator {
    private static final Logger log = LoggerFactory.getLogger(JobStateConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final GatewayProperties properties;
    private final JobView view;
    private final AtomicBoolean caughtUp = new AtomicBoolean();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    public JobStateConsumer(GatewayProperties properties, JobView view) {
        this.properties = properties;
        this.view = view;
    }

    @Override
    public void start() {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, properties.kafka().clientId() + "-job-state",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = Thread.ofPlatform().name("lumen-gateway-job-state").daemon().start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Whether the view holds everything the topic held when the gateway started. */
    public boolean caughtUp() {
        return caughtUp.get();
    }

    @Override
    public Health health() {
        return caughtUp.get() ? Health.up().build()
                : Health.outOfService().withDetail("reason", "still reading " + topic()).build();
    }

    private String topic() {
        return properties.kafka().topicPrefix() + Topics.JOB_STATE;
    }

    private void run() {
        String topic = topic();
        try (KafkaConsumer<String, byte[]> c = consumer) {
            List<TopicPartition> partitions = awaitPartitions(c, topic);
            if (partitions == null) {
                return;
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            log.atInfo().addKeyValue("topic", topic).addKeyValue("partitions", partitions.size()).log("reading job states");
            while (running) {
                for (ConsumerRecord<String, byte[]> record : c.poll(POLL)) {
                    apply(record);
                }
                if (!caughtUp.get() && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp.set(true);
                    log.atInfo().addKeyValue("topic", topic).addKeyValue("jobs", view.size()).log("job states caught up");
                }
            }
        } catch (WakeupException | InterruptException e) {
            // stop() asked us to end.
        } catch (RuntimeException e) {
            log.atError().setCause(e).addKeyValue("topic", topic).log("job-state consumer stopped; job status is stale");
        } finally {
            running = false;
        }
    }

    /** Waits until the topic exists (the scheduler or an installer creates it), or until stopped. */
    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, byte[]> c, String topic) {
        while (running) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(5));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            log.atWarn().addKeyValue("topic", topic).log("topic not found yet; retrying");
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            view.apply(record.key(), null);
            return;
        }
        try (dev.lumen.observability.LogContext l = dev.lumen.observability.LogContext.job(record.key())) {
            JobState state = Messages.decode(record.value(), JobState.class);
            log.atDebug().addKeyValue("jobId", state.jobId()).addKeyValue("status", state.status().wire())
                    .addKeyValue("step", state.step()).log("job state");
            view.apply(state.jobId(), state);
        } catch (ContractException e) {
            // One unreadable record must not stop status for every other job.
            log.atWarn().addKeyValue("jobId", record.key()).addKeyValue("offset", record.offset())
                    .log("skipping unreadable job state: {}", e.getMessage());
        }
    }
}
