package dev.lumen.helm;

import static dev.lumen.helm.RenderedInvariantsTest.env;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.Topics;
import dev.lumen.helm.LumenChart.Rendered;
import dev.lumen.helm.LumenChart.Values;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled broker and the topic Job, run for real: the rendered server.properties (with only
 * ports and the log folder moved to this machine) is formatted with the init container's own
 * arguments and started as Kafka 4.2 (`kafka.Kafka`, what kafka-server-start.sh runs), and the
 * Job's rendered bash script runs against it, twice, with the image's CLI scripts stood in for by
 * the same tool classes they start. The result is read back with the admin client.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BundledKafkaAndTopicJobTest {
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    /**
     * The broker's and the tools' jars only (the module's test class path also holds Spring, the
     * engine and more): every child JVM opens fewer jars and starts faster.
     */
    static final String CLASS_PATH = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
            .filter(entry -> List.of("/org/apache/kafka/", "/org/scala-lang/", "/com/typesafe/scala-logging/", "/org/pcollections/",
                    "/org/hdrhistogram/", "/com/dynatrace/", "/com/github/ben-manes/", "/org/apache/logging/log4j/",
                    "/net/sourceforge/argparse4j/", "/commons-validator/", "/commons-beanutils/", "/commons-digester/",
                    "/commons-logging/", "/commons-collections/", "/com/fasterxml/jackson/", "/org/yaml/", "/net/sf/jopt-simple/",
                    "/org/bitbucket/b_c/", "/com/yammer/", "/com/google/re2j/", "/com/github/luben/", "/org/lz4/",
                    "/org/xerial/snappy/", "/org/slf4j/").stream().anyMatch(entry::contains))
            .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    static final int PARTITIONS = 3;

    @TempDir
    static Path work;
    static Process broker;
    static int brokerPort;
    static Path bin;
    static Rendered rendered;

    @BeforeAll
    static void startTheBundledBroker() throws Exception {
        rendered = LumenChart.render(Values.defaults().set("kafka.topics.partitions", String.valueOf(PARTITIONS)));
        brokerPort = freePort();
        int controllerPort = freePort();
        String properties = rendered.get(ConfigMap.class, "lumen-kafka").getData().get("server.properties")
                .replace("PLAINTEXT://0.0.0.0:9092", "PLAINTEXT://127.0.0.1:" + brokerPort)
                .replace("PLAINTEXT://lumen-kafka.lumen.svc:9092", "PLAINTEXT://127.0.0.1:" + brokerPort)
                .replace("127.0.0.1:9093", "127.0.0.1:" + controllerPort)
                .replace("log.dirs=/var/lib/kafka/data", "log.dirs=" + work.resolve("data"));
        assertThat(properties).doesNotContain(":9092", ":9093", "/var/lib/kafka");
        Path config = Files.writeString(work.resolve("server.properties"), properties);

        List<String> format = new ArrayList<>(rendered.get(StatefulSet.class, "lumen-kafka").getSpec().getTemplate()
                .getSpec().getInitContainers().getFirst().getCommand());
        assertThat(format.removeFirst()).isEqualTo("/opt/kafka/bin/kafka-storage.sh");
        format.replaceAll(arg -> arg.equals("/etc/lumen-kafka/server.properties") ? config.toString() : arg);
        for (int run = 1; run <= 2; run++) {  // the second start finds the folder formatted
            Result result = java("kafka.tools.StorageTool", format, Map.of());
            assertThat(result.exit()).as("format run " + run + ": " + result.output()).isZero();
        }

        broker = new ProcessBuilder(JAVA, "-Xmx512m", "-cp", CLASS_PATH, "kafka.Kafka", config.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("broker.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!listening(brokerPort)) {
            assertThat(broker.isAlive()).as("broker running; log: " + tail(work.resolve("broker.log"))).isTrue();
            assertThat(System.nanoTime()).as("broker listening within 180 s").isLessThan(deadline);
            Thread.sleep(250);
        }

        bin = Files.createDirectories(work.resolve("bin"));
        script("kafka-broker-api-versions.sh", "org.apache.kafka.tools.BrokerApiVersionsCommand");
        script("kafka-topics.sh", "org.apache.kafka.tools.TopicCommand");
        script("kafka-configs.sh", "kafka.admin.ConfigCommand");
    }

    @AfterAll
    static void stopTheBroker() throws InterruptedException {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void theJobCreatesTheTopicsCompactsTheJobStateAndSetsTheShareGroupToEarliestIdempotently() throws Exception {
        Job job = rendered.all(Job.class).getFirst();

        for (int run = 1; run <= 2; run++) {
            Result result = runJob(job);
            assertThat(result.exit()).as("topic Job run " + run + ": " + result.output()).isZero();
            assertThat(result.output()).contains("topics ready");
        }

        try (Admin admin = admin()) {
            Set<String> expected = Set.of(Topics.JOBS, Topics.EVENTS, Topics.CONTROL, Topics.DEAD_LETTER, Topics.JOB_STATE,
                    Topics.tasks("pixart-512"));
            assertThat(admin.listTopics().names().get()).containsAll(expected);
            Map<String, TopicDescription> topics = admin.describeTopics(expected).allTopicNames().get();
            assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(PARTITIONS));

            ConfigResource jobState = new ConfigResource(ConfigResource.Type.TOPIC, Topics.JOB_STATE);
            ConfigResource jobs = new ConfigResource(ConfigResource.Type.TOPIC, Topics.JOBS);
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, Topics.workerGroup("pixart-512"));
            var configs = admin.describeConfigs(List.of(jobState, jobs, group)).all().get();
            assertThat(configs.get(jobState).get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(configs.get(jobState).get("segment.ms").value()).isEqualTo("86400000");
            assertThat(configs.get(jobs).get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(configs.get(group).get("share.auto.offset.reset").value()).isEqualTo("earliest");
        }
    }

    @Test
    @Order(2)
    void aTopicWithAnotherPartitionCountStopsTheJobWithTheReason() throws Exception {
        Job job = LumenChart.render(Values.defaults().set("kafka.topics.partitions", String.valueOf(PARTITIONS + 1)))
                .all(Job.class).getFirst();

        Result result = runJob(job);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.output()).contains("topic " + Topics.JOBS + " has " + PARTITIONS
                + " partitions, kafka.topics.partitions is " + (PARTITIONS + 1));
    }

    record Result(int exit, String output) {
    }

    static Result runJob(Job job) throws Exception {
        Container c = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(c.getCommand()).containsExactly("/bin/bash", "-c");
        assertThat(env(c, "BOOTSTRAP")).isEqualTo("lumen-kafka.lumen.svc:9092");
        String script = c.getArgs().getFirst();
        assertThat(script).contains("bin=/opt/kafka/bin\n");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.replace("bin=/opt/kafka/bin\n", "bin=" + bin + "\n"));
        for (EnvVar e : c.getEnv()) {
            pb.environment().put(e.getName(), e.getValue());
        }
        pb.environment().put("BOOTSTRAP", "127.0.0.1:" + brokerPort);
        return run(pb);
    }

    static Result java(String mainClass, List<String> args, Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-cp", CLASS_PATH, mainClass));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        return run(pb);
    }

    static Result run(ProcessBuilder pb) throws Exception {
        Path output = Files.createTempFile(work, "out", ".log");
        Process p = pb.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("finished within 600 s (a loaded 2-core machine starts each JVM slowly): " + pb.command()).isTrue();
        return new Result(p.exitValue(), Files.readString(output));
    }

    /** A stand-in for one of the image's /opt/kafka/bin scripts: the same tool class on this class path. */
    static void script(String name, String mainClass) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\nexec '" + JAVA + "' -Xmx256m -XX:TieredStopAtLevel=1 -cp '" + CLASS_PATH
                + "' " + mainClass + " \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + brokerPort));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 3000));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
