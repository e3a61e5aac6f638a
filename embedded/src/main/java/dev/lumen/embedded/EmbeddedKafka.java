package dev.lumen.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka 4.2 cluster (KRaft, one process acting as broker and controller) run
 * inside this JVM from the {@code kafka_2.13} artifact. Its data lives in a folder: the first start
 * formats it, later starts reuse it, so records survive {@link #stop()}/{@link #start()} and a new
 * instance on the same folder. It listens on 127.0.0.1 only; the client port is the one asked
 * for, or a free one that is remembered in the folder so a restart comes back on the same address.
 *
 * <p>Tuned to start fast and stay small: one partition and replication factor 1 everywhere
 * (internal topics included), small segments, few threads. Share groups work out of the box
 * (a fresh 4.2 cluster has {@code share.version=1}); see {@link #setShareAutoOffsetResetEarliest}.
 * Not thread-safe for concurrent start/stop; the admin helpers may be called from any thread.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String PORTS_FILE = "lumen-kafka-ports.properties";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final String HOST = "127.0.0.1";

    private final Path dataDir;
    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort) {
        this.dataDir = dataDir;
        this.logDir = dataDir.resolve("kraft");
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker on the folder, on the port it used before or else a free one. */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, 0);
    }

    /**
     * Starts a broker on the folder; {@code port} 0 means "the port this folder used before, or a
     * free one". The controller port is always the folder's own: KRaft stores the controller's
     * address in the formatted metadata, so it must not change between starts.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        try {
            Files.createDirectories(dataDir);
            Properties remembered = readPorts(dataDir);
            int controllerPort = Integer.parseInt(remembered.getProperty("controller.port", "0"));
            int brokerPort = port != 0 ? port : Integer.parseInt(remembered.getProperty("broker.port", "0"));
            if (controllerPort == 0) {
                controllerPort = freePort();
            }
            if (brokerPort == 0) {
                brokerPort = freePort();
            }
            writePorts(dataDir, brokerPort, controllerPort);
            EmbeddedKafka kafka = new EmbeddedKafka(dataDir, brokerPort, controllerPort);
            kafka.start();
            return kafka;
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot prepare Kafka data folder " + dataDir, e);
        }
    }

    /** Starts the broker again after {@link #stop()}, on the same folder and ports. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        long t0 = System.nanoTime();
        Properties props = serverProperties();
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(props);
        }
        KafkaRaftServer started = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            started.startup();
        } catch (RuntimeException e) {
            started.shutdown();
            started.awaitShutdown();
            throw new EmbeddedKafkaException("Kafka broker failed to start on " + dataDir, e);
        }
        server = started;
        awaitBrokerReady();
        log.info("embedded Kafka started bootstrap={} dataDir={} ms={}", bootstrapServers(), dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Shuts the broker down cleanly and keeps its data; {@link #start()} brings it back. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
        log.info("embedded Kafka stopped dataDir={}", dataDir);
    }

    public synchronized boolean running() {
        return server != null;
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. */
    public void createTopics(Collection<TopicSpec> topics) {
        List<NewTopic> newTopics = topics.stream()
                .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()))
                .toList();
        try (Admin admin = admin()) {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(newTopics).values();
            for (var entry : results.entrySet()) {
                try {
                    await(entry.getValue(), "create topic " + entry.getKey());
                } catch (EmbeddedKafkaException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    /** Creates the topics that do not exist yet. */
    public void createTopics(TopicSpec... topics) {
        createTopics(List.of(topics));
    }

    /**
     * Makes a share group start from the earliest record when it first reads a partition. The
     * broker default is {@code latest}, under which tasks produced before the first worker joined
     * would be skipped. Works before the group exists (group configs are stored independently).
     */
    public void setShareAutoOffsetResetEarliest(String shareGroup) {
        setGroupConfig(shareGroup, "share.auto.offset.reset", "earliest");
    }

    /** Sets one dynamic group config (for example {@code share.record.lock.duration.ms}). */
    public void setGroupConfig(String group, String name, String value) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
        try (Admin admin = admin()) {
            await(admin.incrementalAlterConfigs(Map.of(resource, List.of(op))).all(),
                    "set group config " + name + "=" + value + " on " + group);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private Properties serverProperties() {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        // The dynamic-quorum form: StorageTool --standalone needs it (not controller.quorum.voters).
        p.setProperty("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        p.setProperty("log.dirs", logDir.toString());
        // Topics are created explicitly: an auto-created lumen.job-state would not be compacted.
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        // Internal topics default to 50 partitions and RF 3; one node needs 1 and 1, and one
        // partition each keeps the first group join and the first share fetch quick.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Unfencing waits for broker heartbeats; the 2 s default makes every start that much slower.
        p.setProperty("broker.heartbeat.interval.ms", "500");
        // Small files and few threads: this broker shares a laptop or a CI runner with everything else.
        p.setProperty("log.segment.bytes", String.valueOf(1 << 20));
        p.setProperty("log.index.size.max.bytes", String.valueOf(1 << 16));
        p.setProperty("log.cleaner.threads", "1");
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(4 << 20));
        p.setProperty("num.network.threads", "1");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        p.setProperty("num.recovery.threads.per.data.dir", "1");
        p.setProperty("num.replica.fetchers", "1");
        return p;
    }

    private void format(Properties props) {
        Path config = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "written by EmbeddedKafka to format the KRaft log folder");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String[] args = {"format", "--config", config.toString(), "--cluster-id", Uuid.randomUuid().toString(),
                "--standalone"};
        int rc;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args, print);
        } catch (RuntimeException e) {
            throw new EmbeddedKafkaException("formatting " + logDir + " failed: " + output.toString(StandardCharsets.UTF_8), e);
        }
        if (rc != 0) {
            throw new EmbeddedKafkaException("formatting " + logDir + " failed (exit " + rc + "): "
                    + output.toString(StandardCharsets.UTF_8));
        }
        log.debug("formatted KRaft storage dir={} output={}", logDir, output.toString(StandardCharsets.UTF_8).strip());
    }

    /** startup() returns before the broker is unfenced; topic creation before that fails with RF errors. */
    private void awaitBrokerReady() {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    log.debug("broker not ready yet: {}", e.toString());
                }
                if (System.nanoTime() > deadline) {
                    throw new EmbeddedKafkaException("broker on " + bootstrapServers() + " not ready within " + ADMIN_TIMEOUT);
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the broker", e);
        }
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EmbeddedKafkaException(what + " timed out after " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException(what + " interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static Properties readPorts(Path dataDir) throws IOException {
        Properties ports = new Properties();
        Path file = dataDir.resolve(PORTS_FILE);
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ports.load(in);
            }
        }
        return ports;
    }

    private static void writePorts(Path dataDir, int brokerPort, int controllerPort) throws IOException {
        Properties ports = new Properties();
        ports.setProperty("broker.port", String.valueOf(brokerPort));
        ports.setProperty("controller.port", String.valueOf(controllerPort));
        try (OutputStream out = Files.newOutputStream(dataDir.resolve(PORTS_FILE))) {
            ports.store(out, "ports of the embedded Kafka broker on this folder; the controller's must not change");
        }
    }
}
