package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.SamplerKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The docker-compose deployment, checked without a Docker engine: the file follows the Compose
 * Specification schema (a copy of compose-spec.json, draft-07), every long-running service can be
 * health-checked and restarted, the worker reserves a GPU with the capabilities Vulkan needs, and
 * every image built here comes from a Dockerfile that copies the jar its module's build produces.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final YAMLMapper YAML = YAMLMapper.builder().build();
    static final Schema COMPOSE_SPEC = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
            .getSchema(SchemaLocation.of("classpath:compose-spec.json"));

    static ObjectNode compose() throws IOException {
        return (ObjectNode) YAML.readTree(Files.readString(ROOT.resolve("docker-compose.yml")));
    }

    static Map<String, JsonNode> services(JsonNode compose) {
        return compose.get("services").properties().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void composeFileFollowsTheSpecification() throws IOException {
        List<Error> errors = COMPOSE_SPEC.validate(compose());

        assertThat(errors).as("docker-compose.yml against compose-spec.json").isEmpty();
    }

    @Test
    void anUnknownTopLevelKeyFailsValidationNamingTheKey() throws IOException {
        ObjectNode broken = compose();
        broken.putObject("servics").putObject("gateway").put("image", "lumen/gateway:dev");

        List<Error> errors = COMPOSE_SPEC.validate(broken);

        assertThat(errors).isNotEmpty();
        assertThat(errors.toString()).contains("servics");
    }

    @Test
    void aMistypedServiceFieldFailsValidation() throws IOException {
        ObjectNode broken = compose();
        ((ObjectNode) broken.get("services").get("gateway")).put("restart", 3).putArray("healthchek");

        assertThat(COMPOSE_SPEC.validate(broken).toString()).contains("restart").contains("healthchek");
    }

    @Test
    void everyServiceRestartsAndEveryLongRunningOneHasAHealthCheck() throws IOException {
        Map<String, JsonNode> services = services(compose());
        Set<String> oneShot = oneShotServices(services);

        assertThat(oneShot).as("services others wait to complete").containsExactly("kafka-init");
        for (var service : services.entrySet()) {
            assertThat(service.getValue().path("restart").asString("")).as(service.getKey() + " restart")
                    .matches("always|unless-stopped|on-failure(:\\d+)?");
            if (!oneShot.contains(service.getKey())) {
                JsonNode test = service.getValue().path("healthcheck").path("test");
                assertThat(test.isArray() && !test.isEmpty()).as(service.getKey() + " healthcheck.test").isTrue();
            }
        }
    }

    @Test
    void everyLumenServiceWaitsForItsDependenciesToBeReady() throws IOException {
        Map<String, JsonNode> services = services(compose());
        Set<String> oneShot = oneShotServices(services);

        for (String name : List.of("gateway", "scheduler", "dit-worker")) {
            JsonNode dependsOn = services.get(name).get("depends_on");
            assertThat(dependsOn.isObject()).as(name + " depends_on with conditions").isTrue();
            for (var dependency : dependsOn.properties()) {
                String expected = oneShot.contains(dependency.getKey())
                        ? "service_completed_successfully" : "service_healthy";
                assertThat(dependency.getValue().path("condition").asString()).as(name + " -> " + dependency.getKey())
                        .isEqualTo(expected);
            }
            assertThat(dependsOn.has("kafka-init")).as(name + " waits for the topics").isTrue();
        }
    }

    @Test
    void theWorkerReservesAnNvidiaGpuForVulkanAndMountsTheModelReadOnly() throws IOException {
        JsonNode worker = services(compose()).get("dit-worker");
        JsonNode devices = worker.at("/deploy/resources/reservations/devices");

        assertThat(devices.isArray() && devices.size() == 1).as("one device reservation").isTrue();
        JsonNode gpu = devices.get(0);
        assertThat(gpu.path("driver").asString()).isEqualTo("nvidia");
        assertThat(strings(gpu.path("capabilities"))).contains("gpu", "graphics", "compute", "utility");
        assertThat(worker.at("/environment/NVIDIA_DRIVER_CAPABILITIES").asString()).contains("graphics");

        JsonNode modelMount = null;
        for (JsonNode volume : worker.path("volumes")) {
            if ("/models/model".equals(volume.path("target").asString(null))) {
                modelMount = volume;
            }
        }
        assertThat(modelMount).as("a volume with target /models/model").isNotNull();
        assertThat(modelMount.path("read_only").asBoolean()).as("model mount read_only").isTrue();
        assertThat(worker.at("/environment/LUMEN_MODEL_DIR").asString()).isEqualTo("/models/model");
    }

    /**
     * Without settings Compose serves the bundled demo model, and the gateway's request defaults are
     * the ones that model's own scheduler implies (an LCM model: 4 steps, no guidance), so a request
     * naming nothing gets a picture rather than a sampler the worker does not serve.
     */
    @Test
    void byDefaultTheBundledDemoModelIsServedWithItsSchedulersDefaults() throws IOException {
        Map<String, JsonNode> services = services(compose());
        String source = null;
        for (JsonNode volume : services.get("dit-worker").path("volumes")) {
            if ("/models/model".equals(volume.path("target").asString(null))) {
                source = volume.path("source").asString();
            }
        }
        Path folder = ROOT.resolve(defaultOf(source)).normalize();
        assertThat(folder.resolve("model_index.json")).as("the default model folder").isRegularFile();
        SamplerKind kind = SamplerKind.choose(ModelFolder.open(folder), null, null).kind();
        JsonNode gateway = services.get("gateway").path("environment");
        String name = folder.getFileName().toString();
        assertThat(defaultOf(gateway.path("LUMEN_GATEWAY_MODELS_0_NAME").asString())).isEqualTo(name);
        assertThat(defaultOf(services.get("dit-worker").at("/environment/LUMEN_MODEL_NAME").asString())).isEqualTo(name);
        assertThat(defaultOf(services.get("scheduler").at("/environment/LUMEN_POOLS").asString())).startsWith(name + "=");
        assertThat(defaultOf(gateway.path("LUMEN_GATEWAY_MODELS_0_DEFAULTSAMPLER").asString())).isEqualTo(kind.cliName());
        assertThat(Integer.parseInt(defaultOf(gateway.path("LUMEN_GATEWAY_MODELS_0_DEFAULTSTEPS").asString())))
                .isEqualTo(kind.defaultSteps());
        assertThat(Double.parseDouble(defaultOf(gateway.path("LUMEN_GATEWAY_MODELS_0_DEFAULTGUIDANCESCALE").asString())))
                .isEqualTo(kind.defaultGuidance());
    }

    /** "${VAR:-default}" → "default" (what Compose substitutes when VAR is unset); other text as is. */
    private static String defaultOf(String value) {
        return value.replaceAll("\\$\\{[A-Z0-9_]+:-([^}]*)}", "$1");
    }

    @Test
    void everyBuiltImageCopiesTheJarItsModuleProduces() throws Exception {
        Map<String, JsonNode> services = services(compose());
        List<String> built = new ArrayList<>();
        for (var service : services.entrySet()) {
            JsonNode build = service.getValue().get("build");
            if (build == null) {
                continue;
            }
            built.add(service.getKey());
            Path module = ROOT.resolve(build.path("context").asString()).normalize();
            Path dockerfile = module.resolve(build.path("dockerfile").asString("Dockerfile"));
            assertThat(dockerfile).as(service.getKey() + " Dockerfile").isRegularFile();

            String jar = "target/" + jarName(module.resolve("pom.xml")) + ".jar";
            String text = Files.readString(dockerfile);
            assertThat(text).as(dockerfile + " base image").containsPattern("(?m)^FROM eclipse-temurin:25-jre\\s*$");
            assertThat(text).as(dockerfile + " copies " + jar).containsPattern("(?m)^COPY " + jar.replace(".", "\\.") + " ");
            assertThat(text).as(dockerfile + " copies the dependencies").containsPattern("(?m)^COPY target/lib/? ");
            assertThat(text).as(dockerfile + " runs as a non-root user").containsPattern("(?m)^USER (?!root\\b|0\\b)\\S+");
            Path ignore = module.resolve(".dockerignore");
            if (Files.exists(ignore)) {
                assertThat(Files.readString(ignore)).as(ignore + " lets the jar through").contains("!" + jar);
            }
        }
        assertThat(built).containsExactlyInAnyOrder("gateway", "scheduler", "dit-worker", "layout-service");
        assertThat(Files.readString(ROOT.resolve("dit-worker/Dockerfile"))).contains("libvulkan1");
    }

    /** The jar file name the module's build writes: its finalName, else artifactId-version. */
    static String jarName(Path pom) throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
        String finalName = child(childElement(project, "build"), "finalName");
        if (finalName != null) {
            return finalName;
        }
        String version = child(project, "version");
        return child(project, "artifactId") + "-" + (version != null ? version : child(childElement(project, "parent"), "version"));
    }

    private static String child(Element parent, String name) {
        Element element = childElement(parent, name);
        return element == null ? null : element.getTextContent().strip();
    }

    private static Element childElement(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (var node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** Services that run to completion: another service waits for them with service_completed_successfully. */
    static Set<String> oneShotServices(Map<String, JsonNode> services) {
        Set<String> oneShot = new TreeSet<>();
        for (JsonNode service : services.values()) {
            for (var dependency : service.path("depends_on").properties()) {
                if ("service_completed_successfully".equals(dependency.getValue().path("condition").asString(null))) {
                    oneShot.add(dependency.getKey());
                }
            }
        }
        return oneShot;
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }
}
