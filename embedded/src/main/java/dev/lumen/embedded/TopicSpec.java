package dev.lumen.embedded;

import dev.lumen.contracts.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A topic to create: its name, partition count and topic-level configs (for example
 * {@code cleanup.policy=compact}). The replication factor is always 1 on the single-node broker.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1, not " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    /** A topic with the broker's default cleanup policy (delete). */
    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of());
    }

    /**
     * A compacted topic: the broker keeps the latest record of every key. Segments roll daily
     * ({@value #COMPACTED_SEGMENT_MS} ms) because compaction only cleans closed segments: with the
     * broker's default week, a job tombstoned after its retention (ADR 0016) would still be replayed
     * by every restart for up to another week.
     */
    public static TopicSpec compacted(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of("cleanup.policy", "compact",
                "segment.ms", Long.toString(COMPACTED_SEGMENT_MS)));
    }

    /** segment.ms of compacted topics: one day. */
    public static final long COMPACTED_SEGMENT_MS = 86_400_000L;

    /**
     * Lumen's topics under a name prefix ({@code ""} for the real names; tests use a unique prefix
     * each so they do not see each other's records): jobs, events, control, dead letters, the
     * compacted job state and one task topic per pool. Every topic gets the same partition count,
     * because the scheduler relies on a job's messages landing on the same partition number in
     * every topic (they are all keyed by job id).
     */
    public static List<TopicSpec> lumen(String prefix, int partitions, List<String> pools) {
        List<TopicSpec> specs = new ArrayList<>();
        specs.add(of(prefix + Topics.JOBS, partitions));
        specs.add(of(prefix + Topics.EVENTS, partitions));
        specs.add(of(prefix + Topics.CONTROL, partitions));
        specs.add(of(prefix + Topics.DEAD_LETTER, partitions));
        specs.add(compacted(prefix + Topics.JOB_STATE, partitions));
        for (String pool : pools) {
            specs.add(of(prefix + Topics.tasks(pool), partitions));
        }
        return List.copyOf(specs);
    }
}
