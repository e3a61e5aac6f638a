package dev.lumen.standalone;

import dev.lumen.contracts.Topics;
import dev.lumen.embedded.EmbeddedKafka;
import dev.lumen.embedded.EmbeddedS3;
import dev.lumen.embedded.TopicSpec;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.SamplerKind;
import dev.lumen.gateway.GatewayApplication;
import dev.lumen.layout.LayoutServiceApplication;
import dev.lumen.observability.MetricsEndpoint;
import dev.lumen.observability.Telemetry;
import dev.lumen.observability.Tracing;
import dev.lumen.scheduler.Scheduler;
import dev.lumen.scheduler.SchedulerConfig;
import dev.lumen.storage.minio.S3Config;
import dev.lumen.worker.Backend;
import dev.lumen.worker.Worker;
import dev.lumen.worker.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every Lumen service in one process, on real infrastructure started in-process: a Kafka broker
 * (KRaft, data under {@code dataDir/kafka}, so queued jobs survive a restart), an S3-compatible
 * server (data under {@code dataDir/s3}), the scheduler, one worker serving one model,
 * layout-service on an ephemeral loopback port, and the gateway bound to localhost. Services talk
 * to each other only through Kafka, S3 and (gateway → layout-service) HTTP, exactly as they do when
 * deployed apart. Closing stops them in reverse order of start.
 *
 * <p>All services put their meters in one Prometheus registry, which the gateway serves at
 * {@code /actuator/prometheus}; each traces with its own OpenTelemetry SDK (its own service name)
 * and the job's trace context travels between them in Kafka headers, as between processes.
 */
public final class StandalonePlatform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandalonePlatform.class);
    private static final String BUCKET = "lumen-images";

    /**
     * One model the platform serves: its diffusers folder, its name in the API, the sampler its
     * worker serves and the gateway fills in ({@code lcm} or {@code dpm-solver}), and the other
     * request defaults.
     */
    public record ServedModel(Path folder, String name, String sampler, int defaultSize, int defaultSteps,
                              double defaultGuidance) {
        public ServedModel {
            if (folder == null || name == null || name.isBlank() || sampler == null) {
                throw new IllegalArgumentException("a served model needs a folder, a name and a sampler");
            }
        }

        /**
         * A model with the defaults of the sampler it runs ({@code sampler}, else the folder's own
         * scheduler): an LCM model (PixArt-LCM, the distilled demo) 4 steps without guidance, else
         * 20 steps at 4.5; {@code steps} overrides the step count when not null.
         */
        public static ServedModel withDefaults(Path folder, String name, String sampler, int defaultSize, Integer steps) {
            SamplerKind kind = SamplerKind.choose(ModelFolder.open(folder), sampler, null).kind();
            return new ServedModel(folder.toAbsolutePath(), name, kind.cliName(), defaultSize,
                    steps != null ? steps : kind.defaultSteps(), kind.defaultGuidance());
        }
    }

    /**
     * What to run: the models (the first is the API's default; each gets its own worker and pool),
     * ports, data folder and engine backend.
     */
    public record Options(List<ServedModel> models, int httpPort, int kafkaPort, int s3Port, Path dataDir,
                          Backend backend) {
        public Options {
            models = List.copyOf(models);
            if (models.isEmpty()) {
                throw new IllegalArgumentException("the platform needs at least one model");
            }
            if (models.stream().map(ServedModel::name).distinct().count() != models.size()) {
                throw new IllegalArgumentException("model names must be unique: "
                        + models.stream().map(ServedModel::name).toList());
            }
        }

        /** One model, with the defaults of its sampler ({@link ServedModel#withDefaults}). */
        public Options(Path model, String modelName, String sampler, int defaultSize, int defaultSteps,
                       int httpPort, int kafkaPort, int s3Port, Path dataDir, Backend backend) {
            this(List.of(ServedModel.withDefaults(model, modelName, sampler, defaultSize, defaultSteps)), httpPort,
                    kafkaPort, s3Port, dataDir, backend);
        }

        /** The default model's folder. */
        public Path model() {
            return models.getFirst().folder();
        }

        /** The default model's pool. */
        public String pool() {
            return pool(0);
        }

        /**
         * The pool of the i-th model. The default model's is plain {@code standalone}, as it was
         * when the platform served one model, so jobs queued in an existing data folder still run.
         */
        public String pool(int i) {
            return i == 0 ? "standalone" : "standalone-" + (i + 1);
        }

        List<String> pools() {
            return IntStream.range(0, models.size()).mapToObj(this::pool).toList();
        }
    }

    /**
     * Where the services report: one meter registry for all of them, and an OpenTelemetry SDK per
     * service name ({@code lumen-gateway}, {@code lumen-scheduler}, {@code lumen-worker}).
     */
    public record Observability(PrometheusMeterRegistry meters, Function<String, OpenTelemetry> tracing) {
        /** A fresh registry, and SDKs from the {@code OTEL_*} environment (no export unless an endpoint is set). */
        public static Observability fromEnv() {
            return new Observability(MetricsEndpoint.registry("lumen"), name -> Tracing.fromEnv(name, System.getenv()));
        }
    }

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Options options;
    private final Observability observability;
    private ConfigurableApplicationContext gateway;
    private ConfigurableApplicationContext layoutService;
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;
    private SchedulerConfig schedulerConfig;
    private WorkerConfig workerConfig;
    private Telemetry schedulerTelemetry;
    private Telemetry workerTelemetry;
    // volatile: restartScheduler() replaces it from a test thread while others may read it.
    private volatile Scheduler scheduler;
    private Worker worker;

    private StandalonePlatform(Options options, Observability observability) {
        this.options = options;
        this.observability = observability;
    }

    public static StandalonePlatform start(Options options) throws Exception {
        return start(options, Observability.fromEnv());
    }

    public static StandalonePlatform start(Options options, Observability observability) throws Exception {
        StandalonePlatform platform = new StandalonePlatform(options, observability);
        try {
            platform.startAll();
            return platform;
        } catch (Exception | Error e) {
            platform.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        Path data = options.dataDir();
        Files.createDirectories(data);
        kafka = track(EmbeddedKafka.start(data.resolve("kafka"), options.kafkaPort()));
        kafka.createTopics(TopicSpec.lumen("", 1, options.pools()));
        for (String pool : options.pools()) {
            kafka.setShareAutoOffsetResetEarliest(Topics.workerGroup(pool));
        }
        s3 = track(EmbeddedS3.start(data.resolve("s3"), options.s3Port()));
        S3Config storage = new S3Config(s3.endpoint(), s3.accessKey(), s3.secretKey(), BUCKET);

        schedulerTelemetry = telemetry("lumen-scheduler");
        workerTelemetry = telemetry("lumen-worker");
        OpenTelemetry gatewayTracing = observability.tracing().apply("lumen-gateway");
        trackTracing(gatewayTracing);
        Map<String, String> poolsByModel = new LinkedHashMap<>();
        for (int i = 0; i < options.models().size(); i++) {
            poolsByModel.put(options.models().get(i).name(), options.pool(i));
        }
        schedulerConfig = SchedulerConfig.defaults(kafka.bootstrapServers(), options.pool())
                .withPools(poolsByModel, options.pool());
        scheduler = Scheduler.start(schedulerConfig, Clock.systemUTC(), schedulerTelemetry);
        // Closes whichever scheduler is current, so one replaced by restartScheduler() is not leaked.
        started.add(() -> scheduler.close());
        for (int i = 0; i < options.models().size(); i++) {
            ServedModel served = options.models().get(i);
            WorkerConfig config = WorkerConfig.defaults(kafka.bootstrapServers(), options.pool(i), served.folder(), storage)
                    .withModel(served.name(), options.backend(), List.of(served.sampler()),
                            Math.min(served.defaultSize(), 256));
            Worker modelWorker = track(Worker.start(config, workerTelemetry));
            if (i == 0) {
                workerConfig = config;
                worker = modelWorker;
            }
        }

        // Before the gateway, so it is closed after it: the two share Reactor Netty's global resources.
        layoutService = LayoutServiceApplication.start(Map.of("spring.main.banner-mode", "off",
                "server.port", "0", "server.address", "127.0.0.1"));
        started.add(layoutService::close);

        Map<String, Object> props = new LinkedHashMap<>();
        props.put("spring.main.banner-mode", "off");
        props.put("lumen.gateway.layout-service.url", layoutServiceUrl());
        props.put("server.port", Integer.toString(options.httpPort()));
        props.put("server.address", "127.0.0.1");
        props.put("lumen.gateway.kafka.bootstrap-servers", kafka.bootstrapServers());
        props.put("lumen.gateway.storage.endpoint", s3.endpoint().toString());
        props.put("lumen.gateway.storage.access-key", s3.accessKey());
        props.put("lumen.gateway.storage.secret-key", s3.secretKey());
        props.put("lumen.gateway.storage.bucket", BUCKET);
        props.put("lumen.gateway.auth.no-auth", "true");
        for (int i = 0; i < options.models().size(); i++) {
            ServedModel served = options.models().get(i);
            String key = "lumen.gateway.models[" + i + "].";
            props.put(key + "name", served.name());
            props.put(key + "pool", options.pool(i));
            props.put(key + "default-size", served.defaultSize() + "x" + served.defaultSize());
            props.put(key + "default-steps", Integer.toString(served.defaultSteps()));
            props.put(key + "default-guidance-scale", Double.toString(served.defaultGuidance()));
            props.put(key + "default-sampler", served.sampler());
        }
        gateway = GatewayApplication.start(props, gatewayTracing, observability.meters());
        started.add(gateway::close);
        LOG.info("standalone platform up: gateway {}, layout-service {}, kafka {}, s3 {}, models {}", baseUrl(),
                layoutServiceUrl(), kafka.bootstrapServers(), s3.endpoint(), options.models());
    }

    private Telemetry telemetry(String service) {
        OpenTelemetry tracing = observability.tracing().apply(service);
        trackTracing(tracing);
        return new Telemetry(observability.meters(), tracing);
    }

    /** SDKs are closed after the services (started first, so closed last): their last spans get out. */
    private void trackTracing(OpenTelemetry tracing) {
        if (tracing instanceof AutoCloseable closeable) {
            started.add(closeable);
        }
    }

    /** The registry every service's meters are in. */
    public PrometheusMeterRegistry meters() {
        return observability.meters();
    }

    private <T extends AutoCloseable> T track(T resource) {
        started.add(resource);
        return resource;
    }

    /** The gateway's base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String baseUrl() {
        int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
        return "http://127.0.0.1:" + port;
    }

    /** layout-service's base URL (loopback, an ephemeral port); the gateway proxies to it. */
    public String layoutServiceUrl() {
        int port = ((WebServerApplicationContext) layoutService).getWebServer().getPort();
        return "http://127.0.0.1:" + port;
    }

    public Options options() {
        return options;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedS3 s3() {
        return s3;
    }

    /** The default model's worker, started with the platform (it may have been closed by a test). */
    public Worker worker() {
        return worker;
    }

    /** The current scheduler instance; {@link #restartScheduler()} replaces it. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Fault injection: closes the scheduler and starts a fresh instance with the same configuration,
     * as a redeployment would (the old one finishes its turn and leaves the group). The new one
     * rebuilds job state from {@code lumen.job-state}; this returns once it has its partitions.
     */
    public Scheduler restartScheduler() throws InterruptedException {
        scheduler.close();
        scheduler = Scheduler.start(schedulerConfig, Clock.systemUTC(), schedulerTelemetry);
        if (!scheduler.awaitAssignment(Duration.ofSeconds(60))) {
            throw new IllegalStateException("restarted scheduler got no partitions within 60 s");
        }
        return scheduler;
    }

    /**
     * Fault injection: starts one more worker in the default model's pool, on its worker's
     * configuration with a fresh worker id, adjusted by {@code adjust} (e.g. a short grace period
     * so that closing it releases its running task). It is closed with the platform unless the
     * caller closes it first.
     */
    public Worker startWorker(UnaryOperator<WorkerConfig> adjust) {
        WorkerConfig config = adjust.apply(workerConfig.withWorkerId(
                "worker-" + UUID.randomUUID().toString().substring(0, 8)));
        return track(Worker.start(config, workerTelemetry));
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", started.get(i), e.toString());
            }
        }
        started.clear();
    }
}
