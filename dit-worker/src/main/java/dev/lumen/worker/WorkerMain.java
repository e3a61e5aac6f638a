package dev.lumen.worker;

import com.sun.net.httpserver.HttpServer;
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
 * overlaid by the environment, with the keys of {@link WorkerConfig#fromEnv}. With
 * {@code LUMEN_HEALTH_PORT} set, {@code GET /health/live} and {@code /health/ready} answer 200 or
 * 503 for the orchestrator's probes. SIGTERM closes the worker gracefully.
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
        WorkerConfig config = WorkerConfig.fromEnv(settings);
        Worker worker = Worker.start(config);
        HttpServer health = settings.containsKey("LUMEN_HEALTH_PORT")
                ? healthServer(Integer.parseInt(settings.get("LUMEN_HEALTH_PORT").strip()), worker) : null;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("lumen-worker-shutdown").unstarted(() -> {
            worker.close();
            if (health != null) {
                health.stop(0);
            }
            stopped.countDown();
        }));
        log.info("worker running workerId={} pool={}", config.workerId(), config.pool());
        stopped.await();
    }

    private static HttpServer healthServer(int port, Worker worker) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health/live", exchange -> answer(exchange, worker::live));
        server.createContext("/health/ready", exchange -> answer(exchange, worker::ready));
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
