package dev.lumen.scheduler;

import com.sun.net.httpserver.HttpServer;
import dev.lumen.observability.MetricsEndpoint;
import dev.lumen.observability.Telemetry;
import dev.lumen.observability.Tracing;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the scheduler as its own process (a container), configured from the environment; see
 * {@link #configFromEnv} for the keys. With {@code LUMEN_HEALTH_PORT} set, {@code GET /health/live}
 * answers 200 while the poll loop runs and 503 once it has failed, and {@code GET /metrics} serves
 * Prometheus metrics (spans go out over OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set, see
 * {@link Tracing}); the process also exits (status 1)
 * when the loop dies, so a restart policy brings it back. SIGTERM closes it, committing what it has
 * published.
 */
public final class SchedulerMain {
    private static final Logger log = LoggerFactory.getLogger(SchedulerMain.class);

    private SchedulerMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> env = System.getenv();
        SchedulerConfig config = configFromEnv(env);
        PrometheusMeterRegistry meters = MetricsEndpoint.registry("lumen-scheduler");
        OpenTelemetrySdk tracing = Tracing.fromEnv("lumen-scheduler", env);
        Scheduler scheduler = Scheduler.start(config, Clock.systemUTC(), new Telemetry(meters, tracing));
        HttpServer health = env.containsKey("LUMEN_HEALTH_PORT")
                ? healthServer(integer(env, "LUMEN_HEALTH_PORT", 0), scheduler, meters) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shuttingDown = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("lumen-scheduler-shutdown").unstarted(() -> {
            shuttingDown.set(true);
            scheduler.close();
            if (health != null) {
                health.stop(0);
            }
            tracing.close();
            stopped.countDown();
        }));
        log.info("scheduler running groupId={} pools={} defaultPool={} jobRetention={}", config.groupId(),
                config.poolsByModel(), config.defaultPool(), config.jobRetention());
        // Exit when the loop dies, so the container's restart policy starts a fresh scheduler
        // (a health check alone only marks it unhealthy under plain Compose).
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (!scheduler.running() && !shuttingDown.get()) {
                log.error("scheduler loop stopped; exiting", scheduler.failure().orElse(null));
                System.exit(1);
            }
        }
    }

    /**
     * The configuration from environment variables: {@code LUMEN_KAFKA_BOOTSTRAP} is required, and
     * {@code LUMEN_POOLS} ({@code model=pool,…}) or {@code LUMEN_DEFAULT_POOL} (or both) must name
     * where jobs go. {@code LUMEN_GROUP_ID}, {@code LUMEN_TOPIC_PREFIX}, {@code LUMEN_MAX_BATCH_SIZE},
     * {@code LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL}, {@code LUMEN_MAX_QUEUED_PER_TENANT},
     * {@code LUMEN_MAX_ATTEMPTS}, {@code LUMEN_JOB_TIMEOUT_S}, {@code LUMEN_CANCEL_TIMEOUT_S} and
     * {@code LUMEN_JOB_RETENTION_S} (how long finished jobs are kept; 604800, a week, by default)
     * override {@link SchedulerConfig#defaults}.
     *
     * @throws SchedulerConfigException naming the variable that is missing or malformed
     */
    public static SchedulerConfig configFromEnv(Map<String, String> env) {
        String bootstrap = env.get("LUMEN_KAFKA_BOOTSTRAP");
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new SchedulerConfigException("LUMEN_KAFKA_BOOTSTRAP must be set");
        }
        String defaultPool = blankToNull(env.get("LUMEN_DEFAULT_POOL"));
        SchedulerConfig d = SchedulerConfig.defaults(bootstrap.strip(), defaultPool == null ? "unused" : defaultPool);
        return d
                .withGroupId(env.getOrDefault("LUMEN_GROUP_ID", d.groupId()))
                .withTopics(new SchedulerTopics(env.getOrDefault("LUMEN_TOPIC_PREFIX", "")))
                .withPools(pools(env.getOrDefault("LUMEN_POOLS", "")), defaultPool)
                .withLimits(integer(env, "LUMEN_MAX_BATCH_SIZE", d.maxBatchSize()),
                        integer(env, "LUMEN_MAX_IN_FLIGHT_TASKS_PER_POOL", d.maxInFlightTasksPerPool()),
                        integer(env, "LUMEN_MAX_QUEUED_PER_TENANT", d.maxQueuedPerTenant()),
                        integer(env, "LUMEN_MAX_ATTEMPTS", d.maxAttempts()))
                .withTimeouts(seconds(env, "LUMEN_JOB_TIMEOUT_S", d.defaultJobTimeout()),
                        seconds(env, "LUMEN_CANCEL_TIMEOUT_S", d.cancelTimeout()),
                        seconds(env, "LUMEN_JOB_RETENTION_S", d.jobRetention()));
    }

    /** {@code model=pool,model=pool}; blanks around names and empty entries are ignored. */
    static Map<String, String> pools(String spec) {
        Map<String, String> pools = new LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new SchedulerConfigException("LUMEN_POOLS: expected model=pool, got '" + entry.strip() + "'");
            }
            String model = entry.substring(0, eq).strip();
            if (pools.put(model, entry.substring(eq + 1).strip()) != null) {
                throw new SchedulerConfigException("LUMEN_POOLS: model " + model + " is listed twice");
            }
        }
        return pools;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        String value = blankToNull(env.get(key));
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new SchedulerConfigException(key + " must be an integer, not '" + value + "'");
        }
    }

    private static Duration seconds(Map<String, String> env, String key, Duration fallback) {
        String value = blankToNull(env.get(key));
        return value == null ? fallback : Duration.ofSeconds(integer(env, key, 0));
    }

    private static HttpServer healthServer(int port, Scheduler scheduler, PrometheusMeterRegistry meters) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health/live", exchange -> {
            // A failed poll loop never recovers in place; a restart rebuilds state from lumen.job-state.
            boolean up = scheduler.running();
            byte[] body = (up ? "UP" : "DOWN").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(up ? 200 : 503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        MetricsEndpoint.mount(server, meters);
        server.start();
        log.info("health and metrics endpoints listening port={}", port);
        return server;
    }
}
