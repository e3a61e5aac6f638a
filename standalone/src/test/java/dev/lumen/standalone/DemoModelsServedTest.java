package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.eval.Domain;
import dev.lumen.eval.EvalPrompt;
import dev.lumen.eval.ImageScore;
import dev.lumen.eval.ShapeKind;
import dev.lumen.eval.ShapeScorer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./lumen serve} without --model: both demo models behind one gateway, each with its own
 * worker and pool. A job that names no model runs on the distilled {@code shapes-demo-lcm} with 4
 * LCM steps and no guidance; {@code shapes-demo} runs DPM-Solver++ at 20 steps and guidance 4.5.
 * Both draw the README's prompt where it says (scored by the coloured-shapes scorer, not by pixels).
 */
class DemoModelsServedTest {
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path data;

    private static StandalonePlatform platform;

    @BeforeAll
    static void start() throws Exception {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--port", "0", "--data", data.toString(), "--backend", "cpu");
        serve.home = REPOSITORY;
        // What serve prints while the services start, kept to check that no Spring banner is among it.
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            platform = StandalonePlatform.start(serve.options());
        } finally {
            System.setOut(out);
            out.print(printed.toString(StandardCharsets.UTF_8));
        }
        startupOutput = printed.toString(StandardCharsets.UTF_8);
        ready = ServeCommand.describe(platform.options().models());
    }

    private static String startupOutput;

    /** What the ready line says is served. */
    private static String ready;

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void startingPrintsNoSpringBanner() {
        // The gateway and layout-service run embedded with spring.main.banner-mode=off.
        assertThat(startupOutput).doesNotContain(":: Spring Boot ::");
    }

    @Test
    void theDistilledModelIsTheDefaultAndTheDpmModelIsServedBeside() throws Exception {
        assertThat(ready).isEqualTo("models shapes-demo-lcm (the default: lcm, 4 steps) and shapes-demo (dpm-solver, 20 steps)");
        JsonNode models = JSON.readTree(get("/v1/models").body()).get("data");
        assertThat(models).hasSize(2);
        assertThat(models.get(0).get("id").asString()).isEqualTo("shapes-demo-lcm");
        assertThat(models.get(0).get("defaults").get("steps").asInt()).isEqualTo(4);
        assertThat(models.get(0).get("defaults").get("sampler").asString()).isEqualTo("lcm");
        assertThat(models.get(0).get("defaults").get("guidance_scale").asDouble()).isZero();
        assertThat(models.get(1).get("id").asString()).isEqualTo("shapes-demo");
        assertThat(models.get(1).get("defaults").get("steps").asInt()).isEqualTo(20);
        assertThat(models.get(1).get("defaults").get("sampler").asString()).isEqualTo("dpm-solver");
        assertThat(models.get(1).get("defaults").get("guidance_scale").asDouble()).isEqualTo(4.5);
        assertThat(models.get(0).get("pool").asString()).isNotEqualTo(models.get(1).get("pool").asString());

        String prompt = "a large red circle in the top left";
        String byDefault = submit("{\"prompt\": \"" + prompt + "\", \"seed\": 3}");
        String dpm = submit("{\"model\": \"shapes-demo\", \"prompt\": \"" + prompt + "\", \"seed\": 3}");

        JsonNode lcmJob = awaitSucceeded(byDefault);
        assertThat(lcmJob.get("model").asString()).isEqualTo("shapes-demo-lcm");
        assertThat(lcmJob.get("steps").asInt()).isEqualTo(4);
        assertThat(lcmJob.get("sampler").asString()).isEqualTo("lcm");
        assertThat(lcmJob.get("guidance_scale").asDouble()).isZero();
        JsonNode dpmJob = awaitSucceeded(dpm);
        assertThat(dpmJob.get("model").asString()).isEqualTo("shapes-demo");
        assertThat(dpmJob.get("steps").asInt()).isEqualTo(20);
        assertThat(dpmJob.get("sampler").asString()).isEqualTo("dpm-solver");

        Domain domain = Domain.load(REPOSITORY.resolve("models/shapes-demo-lcm/eval/domain.json"));
        EvalPrompt expected = new EvalPrompt("readme", "one", prompt, 0, List.of(new EvalPrompt.ExpectedObject("red",
                ShapeKind.CIRCLE, "large", new EvalPrompt.Cell(0, 0))), List.of());
        for (String job : List.of(byDefault, dpm)) {
            ImageScore score = new ShapeScorer(domain).score(image(job), expected);
            assertThat(score.colour()).as("%s: red is drawn", job).isEqualTo(1.0);
            assertThat(score.position()).as("%s: in the top left cell", job).isEqualTo(1.0);
        }
    }

    private static String submit(String body) throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return JSON.readTree(accepted.body()).get("id").asString();
    }

    private static JsonNode awaitSucceeded(String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            JsonNode job = JSON.readTree(get("/v1/jobs/" + id).body());
            String status = job.get("status").asString();
            if (status.equals("succeeded")) {
                return job;
            }
            assertThat(status).as("job %s: %s", id, job).isIn("accepted", "queued", "running");
            assertThat(Instant.now()).as("job %s still %s", id, status).isBefore(deadline);
            Thread.sleep(100);
        }
    }

    private static BufferedImage image(String id) throws Exception {
        HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/" + id
                + "/images/0")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(302);
        byte[] png = HTTP.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow()))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
