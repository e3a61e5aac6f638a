package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.cpu.CpuOps;
import dev.lumen.engine.density.DensityReport;
import dev.lumen.engine.density.TokenDensity;
import dev.lumen.engine.pipeline.GenerationRequest;
import dev.lumen.engine.pipeline.GenerationResult;
import dev.lumen.engine.pipeline.ModelFolder;
import dev.lumen.engine.pipeline.PipelineInputs;
import dev.lumen.engine.pipeline.PixArtPipeline;
import dev.lumen.engine.image.PngWriter;
import dev.lumen.worker.Backend;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole platform in one process, driven through real HTTP: a prompt submitted to the gateway
 * goes through the real Kafka broker, the scheduler and the worker's share consumer, and comes back
 * as the PNG the engine produces for that seed, fetched from the S3 server through its URL.
 */
class StandalonePlatformTest {
    @TempDir
    static Path data;

    private static StandalonePlatform platform;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Path model = Path.of(StandalonePlatformTest.class.getResource("/pixart-tiny/model").toURI());
        platform = StandalonePlatform.start(new StandalonePlatform.Options(model, "pixart-tiny", null, 64, 4, 0, 0, 0,
                data, Backend.CPU));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPromptBecomesTheEnginesPngThroughKafkaAndS3() throws Exception {
        HttpResponse<String> accepted = post("/v1/jobs",
                "{\"model\": \"pixart-tiny\", \"prompt\": \"a red circle\", \"size\": \"64x64\", \"steps\": 4, "
                        + "\"seed\": 5, \"guidance_scale\": 4.5}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(accepted.body());
        assertThat(id.find()).isTrue();
        String jobId = id.group(1);

        // Watch the events until a terminal one.
        List<String> events = new ArrayList<>();
        HttpResponse<InputStream> sse = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                        + jobId + "/events")).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("event:")) {
                    String event = line.substring(6).trim();
                    events.add(event);
                    if (event.equals("completed") || event.equals("failed") || event.equals("cancelled")) {
                        break;
                    }
                }
            }
        }
        assertThat(events).contains("completed").doesNotContain("failed");

        HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(
                location.startsWith("http") ? location : platform.baseUrl() + location)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.body()).contains("succeeded");

        HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                + jobId + "/images/0")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(302);
        URI presigned = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        byte[] png = HTTP.send(HttpRequest.newBuilder(presigned).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        BufferedImage served = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(served.getWidth()).isEqualTo(64);

        // The engine, run directly with the same settings, draws the same pixels.
        try (PixArtPipeline pipeline = PixArtPipeline.load(ModelFolder.open(platform.options().model()), new CpuOps())) {
            GenerationResult direct = pipeline.generate(new GenerationRequest(List.of("a red circle"), "", 4, 4.5, 64, 64,
                    5, PipelineInputs.NONE));
            BufferedImage expected = PngWriter.toImage(direct.images().getFirst());
            for (int y = 0; y < 64; y += 7) {
                for (int x = 0; x < 64; x += 5) {
                    assertThat(served.getRGB(x, y)).isEqualTo(expected.getRGB(x, y));
                }
            }
        }
    }

    /** Follows a job's events until a terminal one and returns it. */
    private static String terminalEvent(String jobId) throws Exception {
        HttpResponse<InputStream> sse = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                        + jobId + "/events")).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("event:")) {
                    String event = line.substring(6).trim();
                    if (event.equals("completed") || event.equals("failed") || event.equals("cancelled")) {
                        return event;
                    }
                }
            }
        }
        throw new AssertionError("event stream of " + jobId + " ended without a terminal event");
    }

    private static JsonNode json(String text) {
        return JsonMapper.builder().build().readTree(text);
    }

    /**
     * A user layout and an "auto" layout go through the whole platform: the gateway (which calls
     * layout-service in this JVM for "auto") records the layout on the job, so GET /v1/jobs/{id}
     * shows the boxes used, and the layout reaches the worker in the task.
     *
     * Both jobs complete with regional attention, and the PNG's {@code layout} text chunk carries
     * the layout that was used.
     */
    @Test
    void layoutJobsCarryTheirBoxesThroughThePlatform() throws Exception {
        HttpResponse<String> user = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"a red circle and a blue"
                + " square\", \"size\": \"64x64\", \"steps\": 2, \"seed\": 3, \"layout\": {\"regions\": ["
                + "{\"box\": [0.05, 0.3, 0.45, 0.7], \"caption\": \"a red circle\"},"
                + "{\"box\": [0.55, 0.3, 0.95, 0.7], \"caption\": \"a blue square\"}], \"control\": {\"strength\": 0.8}}}");
        assertThat(user.statusCode()).as(user.body()).isEqualTo(202);
        String userJob = json(user.body()).get("id").asString();
        JsonNode userLayout = json(get("/v1/jobs/" + userJob).body()).get("layout");
        assertThat(userLayout.get("caption").asString()).isEqualTo("a red circle and a blue square");
        assertThat(userLayout.get("regions").get(1).get("box").toString()).isEqualTo("[0.55,0.3,0.95,0.7]");
        assertThat(userLayout.get("control").get("strength").asDouble()).isEqualTo(0.8);

        HttpResponse<String> auto = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"a red ball to the left"
                + " of a blue cube\", \"size\": \"64x64\", \"steps\": 2, \"seed\": 4, \"layout\": \"auto\"}");
        assertThat(auto.statusCode()).as(auto.body()).isEqualTo(202);
        String autoJob = json(auto.body()).get("id").asString();
        JsonNode planned = json(get("/v1/jobs/" + autoJob).body()).get("layout");
        assertThat(planned.get("regions").size()).isEqualTo(2);
        assertThat(planned.get("regions").get(0).get("caption").asString()).isEqualTo("a red ball");
        assertThat(planned.get("regions").get(1).get("caption").asString()).isEqualTo("a blue cube");
        assertThat(planned.get("regions").get(0).get("box").get(2).asDouble())
                .isLessThan(planned.get("regions").get(1).get("box").get(0).asDouble());
        // The gateway's proxy to layout-service answers the same plan for the same prompt and size.
        JsonNode proxied = json(post("/v1/layouts", "{\"prompt\": \"a red ball to the left of a blue cube\","
                + " \"width\": 64, \"height\": 64}").body()).get("layout");
        assertThat(proxied).isEqualTo(planned);

        assertCompletedWithLayout(userJob);
        assertCompletedWithLayout(autoJob);
        // The boxes stay on the job after it ends.
        assertThat(json(get("/v1/jobs/" + autoJob).body()).get("layout")).isEqualTo(planned);
    }

    private static void assertCompletedWithLayout(String jobId) throws Exception {
        assertThat(terminalEvent(jobId)).isEqualTo("completed");
        JsonNode layout = json(get("/v1/jobs/" + jobId).body()).get("layout");
        HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                + jobId + "/images/0")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(302);
        byte[] png = HTTP.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow()))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        JsonNode written = json(dev.lumen.storage.images.PngText.read(png).get("layout"));
        assertThat(written.get("regions")).isEqualTo(layout.get("regions"));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A job at every preset goes through the whole platform (issue 9): each completes, its status
     * shows the plan that ran and its FLOP fraction, equal to the engine's own accounting for the
     * same request; {@code full} is exactly 1 and draws the same pixels as a job that asked for
     * nothing, the others spend less; the PNG records the token density.
     */
    @Test
    void aJobAtEveryPresetCompletesAndReportsThePlanAndFractionThatRan() throws Exception {
        List<String> presets = List.of("none", "full", "high", "balanced", "low", "minimal");
        java.util.Map<String, String> jobs = new java.util.LinkedHashMap<>();
        for (String preset : presets) {
            String density = preset.equals("none") ? "" : ", \"token_density\": \"" + preset + "\"";
            HttpResponse<String> accepted = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"a red circle\","
                    + " \"size\": \"64x64\", \"steps\": 4, \"seed\": 11, \"guidance_scale\": 4.5" + density + "}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            jobs.put(preset, json(accepted.body()).get("id").asString());
        }
        java.util.Map<String, BufferedImage> images = new java.util.HashMap<>();
        try (PixArtPipeline pipeline = PixArtPipeline.load(ModelFolder.open(platform.options().model()), new CpuOps())) {
            for (String preset : presets) {
                String jobId = jobs.get(preset);
                assertThat(terminalEvent(jobId)).as(preset).isEqualTo("completed");
                JsonNode status = json(get("/v1/jobs/" + jobId).body());
                assertThat(status.get("status").asString()).isEqualTo("succeeded");
                JsonNode density = status.get("token_density");
                String ran = preset.equals("none") ? "full" : preset;
                assertThat(density.has("requested")).as(preset).isEqualTo(!preset.equals("none"));
                if (!preset.equals("none")) {
                    assertThat(density.get("requested").asString()).isEqualTo(preset);
                }
                assertThat(density.get("plan").asString()).isEqualTo("preset " + ran);
                // Whether it is experimental is the contracts' mark of the preset that ran.
                assertThat(density.get("experimental").asBoolean()).as(preset)
                        .isEqualTo(dev.lumen.contracts.density.DensityPresetName.byName(ran).experimental());

                // The engine's own accounting for the same request.
                DensityReport engine = pipeline.planDensity(new GenerationRequest(List.of("a red circle"), "", 4, 4.5, 64,
                        64, 11, PipelineInputs.NONE, TokenDensity.parse(ran)));
                assertThat(density.get("transformer_flops").asLong()).as(preset).isEqualTo(engine.transformerFlops());
                assertThat(density.get("dense_flops").asLong()).as(preset).isEqualTo(engine.denseTransformerFlops());
                assertThat(density.get("fraction").asDouble()).as(preset).isEqualTo(engine.fraction());
                List<String> steps = new ArrayList<>();
                density.get("steps").forEach(line -> steps.add(line.asString()));
                assertThat(steps).as(preset).isEqualTo(engine.plan().describe()).hasSize(4);
                if (ran.equals("full")) {
                    assertThat(density.get("fraction").asDouble()).isEqualTo(1.0);
                } else {
                    assertThat(density.get("fraction").asDouble()).as(preset).isLessThan(1.0).isPositive();
                    assertThat(density.get("transformer_flops").asLong()).isLessThan(density.get("dense_flops").asLong());
                }

                HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/"
                        + jobId + "/images/0")).build(), HttpResponse.BodyHandlers.discarding());
                byte[] png = HTTP.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location")
                        .orElseThrow())).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
                JsonNode written = json(dev.lumen.storage.images.PngText.read(png).get("tokenDensity"));
                assertThat(written.get("plan").asString()).isEqualTo("preset " + ran);
                assertThat(written.get("fraction").asDouble()).isEqualTo(engine.fraction());
                assertThat(written.get("experimental").asBoolean()).as(preset).isEqualTo(!ran.equals("full"));
                images.put(preset, ImageIO.read(new ByteArrayInputStream(png)));
            }
        }
        // "full" is the dense path: the same pixels as no token density; a reduced preset draws others.
        int differFromFull = 0;
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                assertThat(images.get("full").getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(images.get("none").getRGB(x, y));
                differFromFull += images.get("balanced").getRGB(x, y) != images.get("full").getRGB(x, y) ? 1 : 0;
            }
        }
        assertThat(differFromFull).isPositive();
    }

    @Test
    void badRequestsGetProblemJsonAndNothingRuns() throws Exception {
        HttpResponse<String> bad = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"x\", \"size\": \"65x64\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        assertThat(bad.body()).contains("size");
        HttpResponse<String> badDensity = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"x\", \"token_density\":"
                + " {\"rules\": [{\"op\": \"coarse\", \"s\": 3}]}}");
        assertThat(badDensity.statusCode()).isEqualTo(400);
        assertThat(badDensity.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        assertThat(json(badDensity.body()).get("field").asString()).isEqualTo("token_density.rules[0].s");
        HttpResponse<String> badLayout = post("/v1/jobs", "{\"model\": \"pixart-tiny\", \"prompt\": \"x\", \"layout\":"
                + " {\"regions\": [{\"box\": [0.5, 0, 0.4, 1], \"caption\": \"a\"}]}}");
        assertThat(badLayout.statusCode()).isEqualTo(400);
        assertThat(badLayout.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        assertThat(json(badLayout.body()).get("field").asString()).isEqualTo("layout.regions[0].box.x1");
    }
}
