package dev.lumen.scheduler.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairQueueTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final FairQueue queue = new FairQueue();

    private void add(String job, String tenant, int priority, int second, String key) {
        queue.add(job, tenant, priority, T0.plusSeconds(second), key);
    }

    private List<String> drain() {
        List<String> order = new ArrayList<>();
        while (!queue.isEmpty()) {
            order.add(queue.poll(e -> true).orElseThrow().jobId());
        }
        return order;
    }

    @Test
    void tenantsAreServedRoundRobin() {
        add("a1", "a", 0, 1, "k");
        add("a2", "a", 0, 2, "k");
        add("a3", "a", 0, 3, "k");
        add("b1", "b", 0, 4, "k");
        add("c1", "c", 0, 5, "k");
        add("b2", "b", 0, 6, "k");
        assertThat(drain()).containsExactly("a1", "b1", "c1", "a2", "b2", "a3");
    }

    @Test
    void priorityOrdersATenantsOwnJobsOnly() {
        add("a-low", "a", 0, 1, "k");
        add("a-high", "a", 9, 2, "k");
        add("b-low", "b", 0, 3, "k");
        assertThat(drain()).containsExactly("a-high", "b-low", "a-low");
    }

    @Test
    void batchesTakeCompatibleJobsAcrossTenantsUpToTheSize() {
        add("a1", "a", 0, 1, "512");
        add("a2", "a", 0, 2, "1024");
        add("b1", "b", 0, 3, "512");
        add("b2", "b", 0, 4, "512");
        add("c1", "c", 0, 5, "512");
        assertThat(queue.pollBatch(3)).extracting(FairQueue.Entry::jobId).containsExactly("a1", "b1", "c1");
        assertThat(queue.pollBatch(3)).extracting(FairQueue.Entry::jobId).containsExactly("a2");
        assertThat(queue.pollBatch(3)).extracting(FairQueue.Entry::jobId).containsExactly("b2");
        assertThat(queue.pollBatch(3)).isEmpty();
    }

    @Test
    void removeAndDuplicateAddKeepCountsRight() {
        add("a1", "a", 0, 1, "k");
        add("a1", "a", 0, 1, "k");
        add("a2", "a", 0, 2, "k");
        assertThat(queue.size("a")).isEqualTo(2);
        assertThat(queue.remove("a1")).isTrue();
        assertThat(queue.remove("a1")).isFalse();
        assertThat(queue.size("a")).isEqualTo(1);
        assertThat(queue.size("nobody")).isZero();
        assertThat(drain()).containsExactly("a2");
    }
}
