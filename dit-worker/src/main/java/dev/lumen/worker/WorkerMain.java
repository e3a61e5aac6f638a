package dev.lumen.worker;

import com.sun.net.httpserver.HttpServer;
import dev.lumen.observability.MetricsEndpoint;
import dev.lumen.observability.Telemetry;
import dev.lumen.observability.Tracing;
import dev.lumen.worker.models.FetchListener;
import dev.lumen.worker.models.ModelFetcher;
import dev.lumen.worker.models.ModelSource;
import dev.lumen.worker.models.ModelSourceSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one worker as a process. Settings come from an optional properties file (first argument)
 * overlaid by the environment, with the keys of {@link WorkerConfig#fromEnv}. The model comes from
 * {@code LUMEN_MODEL_DIR} when that folder holds a pipeline, else from {@code LUMEN_MODEL_SOURCE}
 * (a folder, {@code s3://bucket/prefix} or {@code hf:owner/repo[@revision]}), fetched into the model
 * cache first ({@link ModelSourceSettings#fromEnv} for the cache, Hub and S3 keys). With
 * {@code LUMEN_HEALTH_PORT} set, {@code GET /health/live} and {@code /health/ready} answer 200 or
 * 503 for the orchestrator's probes and {@code GET /metrics} serves Prometheus metrics. Spans are
 * exported over OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set ({@link Tracing}). SIGTERM
 * closes the worker gracefully.
 */
public final class WorkerMain {
    private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

    private WorkerMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> settings = new HashMap<>();
        if (args.length > 0) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
            file.stringPropertyNames().forEach(k -> settings.put(k, file.getProperty(k)));
        }
        settings.putAll(System.getenv());
        resolveModel(settings);
        WorkerConfig config = WorkerConfig.fromEnv(settings);
        PrometheusMeterRegistry meters = MetricsEndpoint.registry("lumen-worker");
        OpenTelemetrySdk tracing = Tracing.fromEnv("lumen-worker", settings);
        Worker worker = Worker.start(config, new Telemetry(meters, tracing));
        HttpServer health = settings.containsKey("LUMEN_HEALTH_PORT")
                ? healthServer(Integer.parseInt(settings.get("LUMEN_HEALTH_PORT").strip()), worker, meters) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("lumen-worker-shutdown").unstarted(() -> {
            worker.close();
            if (health != null) {
                health.stop(0);
            }
            tracing.close();
            stopped.countDown();
        }));
        log.info("worker running workerId={} pool={}", config.workerId(), config.pool());
        stopped.await();
    }

    /**
     * Fetches {@code LUMEN_MODEL_SOURCE} into the model cache and points {@code LUMEN_MODEL_DIR} at it,
     * unless {@code LUMEN_MODEL_DIR} already holds a pipeline (an init container or a volume provided
     * it). {@code LUMEN_MODEL_NAME} defaults to the source's name.
     */
    static void resolveModel(Map<String, String> settings) {
        String source = settings.get("LUMEN_MODEL_SOURCE");
        String dir = settings.get("LUMEN_MODEL_DIR");
        boolean provided = dir != null && !dir.isBlank() && Files.isRegularFile(Path.of(dir.strip(), "model_index.json"));
        if (source == null || source.isBlank() || provided) {
            return;
        }
        ModelSource parsed = ModelSource.parse(source);
        long t0 = System.nanoTime();
        Path folder = new ModelFetcher(ModelSourceSettings.fromEnv(settings)).fetch(parsed, FetchListener.NONE);
        log.atInfo().addKeyValue("source", parsed).addKeyValue("folder", folder)
                .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log("model source resolved");
        settings.put("LUMEN_MODEL_DIR", folder.toString());
        settings.putIfAbsent("LUMEN_MODEL_NAME", parsed.defaultName());
    }

    private static HttpServer healthServer(int port, Worker worker, PrometheusMeterRegistry meters) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health/live", exchange -> answer(exchange, worker::live));
        server.createContext("/health/ready", exchange -> answer(exchange, worker::ready));
        MetricsEndpoint.mount(server, meters);
        server.start();
        log.info("health endpoints listening port={}", port);
        return server;
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, BooleanSupplier check) throws IOException {
        boolean ok = check.getAsBoolean();
        byte[] body = (ok ? "UP" : "DOWN").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
