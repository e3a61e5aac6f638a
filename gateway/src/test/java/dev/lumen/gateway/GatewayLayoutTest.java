package dev.lumen.gateway;

import static dev.lumen.gateway.GatewayFixture.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Control;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.contracts.layout.Overlap;
import dev.lumen.contracts.layout.Region;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Layouts through the gateway over real HTTP, with a real broker and a real layout-service:
 * a layout object or {@code "auto"} on both generation endpoints, the planned boxes on the job,
 * the {@code /v1/layouts} proxy, and refusals that queue nothing. The last test stops
 * layout-service.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayLayoutTest {
    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static WebTestClient http;
    /** Not the common pool: with two cores it has one thread, which the MinIO client also needs. */
    static final java.util.concurrent.Executor CALLER = java.util.concurrent.Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        fx = new GatewayFixture(dir, Duration.ofSeconds(4));
        http = fx.client();
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    static EntityExchangeResult<Map<String, Object>> post(String path, String body) {
        return post(path, body, KEY_A);
    }

    static EntityExchangeResult<Map<String, Object>> post(String path, String body, String key) {
        WebTestClient.RequestBodySpec spec = http.post().uri(path).contentType(MediaType.APPLICATION_JSON);
        if (key != null) {
            spec.header("Authorization", "Bearer " + key);
        }
        return spec.bodyValue(body).exchange().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
        }).returnResult();
    }

    static Map<String, Object> getJob(String id) {
        return http.get().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isOk().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
    }

    /** The layout a response shows, read back with the contract's strict reader. */
    static Layout layoutOf(Map<String, Object> json) {
        return LayoutJson.read(tools.jackson.databind.json.JsonMapper.builder().build().valueToTree(json.get("layout")),
                "layout", dev.lumen.contracts.layout.LayoutLimits.HARD, null);
    }

    @Test
    @Order(1)
    void autoPlansTheLayoutRecordsItOnTheJobAndSendsItToKafka() {
        String prompt = "a red ball to the left of a blue cube";
        EntityExchangeResult<Map<String, Object>> r = post("/v1/jobs", "{\"prompt\": \"" + prompt + "\", \"size\": \"512x256\","
                + " \"layout\": \"auto\"}");
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(202);
        String id = (String) r.getResponseBody().get("id");
        Layout shown = layoutOf(r.getResponseBody());
        assertThat(shown.regions()).extracting(Region::caption).containsExactly("a red ball", "a blue cube");
        Box ball = shown.regions().get(0).box();
        Box cube = shown.regions().get(1).box();
        assertThat(ball.x1()).isLessThan(cube.x0());

        // The job on Kafka carries exactly the planned layout, and GET shows the boxes used.
        JobSubmitted job = fx.awaitSubmitted(id);
        assertThat(job.spec().layout()).isEqualTo(shown);
        assertThat(layoutOf(getJob(id))).isEqualTo(shown);
        // Once the scheduler's state replaces the provisional one, it still shows them.
        fx.publishState(job, JobStatus.QUEUED, null, null);
        GatewayFixture.await(() -> "queued".equals(getJob(id).get("status")) ? true : null);
        assertThat(layoutOf(getJob(id))).isEqualTo(shown);

        // The same prompt and size through the proxy plans the same layout (planning is deterministic).
        EntityExchangeResult<Map<String, Object>> planned = post("/v1/layouts", "{\"prompt\": \"" + prompt + "\","
                + " \"width\": 512, \"height\": 256}");
        assertThat(planned.getStatus().value()).isEqualTo(200);
        assertThat(layoutOf(planned.getResponseBody())).isEqualTo(shown);
        assertThat(planned.getResponseBody()).containsKeys("ir", "scores", "warnings", "planner");
    }

    @Test
    @Order(2)
    void aUserLayoutTravelsAsGivenWithTheCaptionDefaultedAndItsKnobs() {
        EntityExchangeResult<Map<String, Object>> r = post("/v1/jobs", """
                {"prompt": "a cozy desk", "layout": {"background": "a dim room",
                  "regions": [{"box": [0.05, 0.55, 0.45, 0.95], "caption": "a green mug", "id": "mug"}],
                  "control": {"strength": 0.6, "until_t": 500, "self_attention": false, "overlap": "union"}}}""");
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(202);
        Layout expected = new Layout("a cozy desk", "a dim room",
                List.of(new Region(new Box(0.05, 0.55, 0.45, 0.95), "a green mug", "mug")),
                new Control(0.6, 500, false, Overlap.UNION));
        assertThat(fx.awaitSubmitted((String) r.getResponseBody().get("id")).spec().layout()).isEqualTo(expected);
        assertThat(layoutOf(getJob((String) r.getResponseBody().get("id")))).isEqualTo(expected);
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void malformedLayoutsGetProblemsNamingEveryFieldAndQueueNothing() throws Exception {
        int before = fx.jobs.size();
        EntityExchangeResult<Map<String, Object>> r = post("/v1/jobs", """
                {"prompt": "bad boxes", "layout": {"regions": [
                  {"box": [0.5, 0.1, 0.4, 0.6], "caption": "a cat"},
                  {"box": [0.1, 0.1, 0.11, 0.6], "caption": "a dog"}]}}""");
        assertThat(r.getStatus().value()).isEqualTo(400);
        assertThat(r.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(r.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/invalid-request")
                .containsEntry("field", "layout.regions[0].box.x1");
        assertThat((List<Map<String, String>>) r.getResponseBody().get("errors")).extracting(e -> e.get("field"))
                .containsExactly("layout.regions[0].box.x1", "layout.regions[1].box");

        StringBuilder eleven = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            eleven.append(i == 0 ? "" : ",").append("{\"box\": [0, 0, 0.5, 0.5], \"caption\": \"a cat\"}");
        }
        String[][] cases = {
                {"{\"regions\": [" + eleven + "]}", "layout.regions"},
                {"{\"regions\": [{\"box\": [0, 0, 1, 1e999], \"caption\": \"a\"}]}", "layout.regions[0].box.y1"},
                {"{\"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"a\"}], \"control\": {\"strength\": 2}}",
                        "layout.control.strength"},
                {"{\"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"" + "x".repeat(401) + "\"}]}", "layout.regions[0].caption"},
                {"\"AUTO\"", "layout"}};
        for (String[] c : cases) {
            for (String path : List.of("/v1/jobs", "/v1/images/generations")) {
                EntityExchangeResult<Map<String, Object>> bad = post(path, "{\"prompt\": \"bad\", \"layout\": " + c[0] + "}");
                assertThat(bad.getStatus().value()).as(c[0]).isEqualTo(400);
                assertThat(bad.getResponseBody()).as(c[0]).containsEntry("field", c[1]);
            }
        }
        // Nothing plannable in the prompt: 422, nothing queued.
        EntityExchangeResult<Map<String, Object>> nothing = post("/v1/jobs", "{\"prompt\": \"glorp, blorp!\", \"layout\": \"auto\"}");
        assertThat(nothing.getStatus().value()).as("%s", nothing.getResponseBody()).isEqualTo(422);
        assertThat(nothing.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/layout-not-planned")
                .containsEntry("field", "layout");
        assertThat((String) nothing.getResponseBody().get("detail")).startsWith("layout \"auto\": found nothing to place");
        Thread.sleep(500);
        assertThat(fx.jobs.size()).isEqualTo(before);
    }

    @Test
    @Order(4)
    void theOpenAiEndpointTakesAutoToo() throws Exception {
        String prompt = "three yellow stars in a row";
        CompletableFuture<EntityExchangeResult<Map<String, Object>>> call = CompletableFuture.supplyAsync(() ->
                post("/v1/images/generations", "{\"prompt\": \"" + prompt + "\", \"size\": \"256x256\", \"layout\": \"auto\","
                        + " \"response_format\": \"b64_json\"}"), CALLER);
        JobSubmitted job = fx.awaitSubmittedByPrompt(prompt);
        assertThat(job.spec().layout().regions()).extracting(Region::caption).containsOnly("a yellow star").hasSize(3);
        fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(job, 0, new byte[] {1, 2, 3})));
        EntityExchangeResult<Map<String, Object>> r = call.get();
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(200);
        assertThat(r.getResponseBody()).containsEntry("job_id", job.jobId());
    }

    @Test
    @Order(5)
    @SuppressWarnings("unchecked")
    void theLayoutEndpointsAreRelayedBehindAuthentication() {
        EntityExchangeResult<Map<String, Object>> ok = post("/v1/layouts/validate",
                "{\"layout\": {\"caption\": \"c\", \"regions\": [{\"box\": [0.1, 0.1, 0.5, 0.5], \"caption\": \" two cats \"}]}}");
        assertThat(ok.getStatus().value()).isEqualTo(200);
        assertThat(ok.getResponseBody()).containsEntry("valid", true);
        assertThat((List<String>) ok.getResponseBody().get("warnings")).singleElement().asString().contains("is plural");

        EntityExchangeResult<Map<String, Object>> bad = post("/v1/layouts/validate",
                "{\"layout\": {\"caption\": \"c\", \"regions\": [{\"box\": [0.1, 0.1, 0.5], \"caption\": \"a\"}]}}");
        assertThat(bad.getStatus().value()).isEqualTo(400);
        assertThat(bad.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(bad.getResponseBody()).containsEntry("field", "layout.regions[0].box");

        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\"}", null).getStatus().value()).isEqualTo(401);
        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\"}", "wrong").getStatus().value()).isEqualTo(401);
        EntityExchangeResult<Map<String, Object>> text = http.post().uri("/v1/layouts").header("Authorization", "Bearer " + KEY_A)
                .contentType(MediaType.TEXT_PLAIN).bodyValue("a cat").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
        assertThat(text.getStatus().value()).isEqualTo(415);

        // The first /v3/api-docs builds the document, which takes a while on a loaded two-core machine.
        http.mutate().responseTimeout(Duration.ofSeconds(90)).build()
                .get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.paths['/v1/layouts'].post").exists()
                .jsonPath("$.paths['/v1/layouts/validate'].post").exists()
                .jsonPath("$.components.schemas.LayoutRegion.properties.box.maxItems").isEqualTo(4);
    }

    @Test
    @Order(6)
    void withLayoutServiceDownAutoAnswers503AndQueuesNothing() throws Exception {
        // Stops its server only: closing the whole context would also dispose Reactor Netty's global
        // resources, which the gateway in this JVM shares.
        ((org.springframework.boot.web.server.context.WebServerApplicationContext) fx.layoutService).getWebServer().stop();
        int before = fx.jobs.size();
        EntityExchangeResult<Map<String, Object>> r = post("/v1/jobs", "{\"prompt\": \"a cat\", \"layout\": \"auto\"}");
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(503);
        assertThat(r.getResponseHeaders().getFirst("Retry-After")).isEqualTo("5");
        assertThat((String) r.getResponseBody().get("detail")).startsWith("layout-service is not reachable; nothing was accepted");
        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\"}").getStatus().value()).isEqualTo(503);
        // A layout object needs no layout-service.
        assertThat(post("/v1/jobs", "{\"prompt\": \"a cat\", \"layout\": {\"regions\": [{\"box\": [0, 0, 1, 1],"
                + " \"caption\": \"a cat\"}]}}").getStatus().value()).isEqualTo(202);
        Thread.sleep(500);
        assertThat(fx.jobs.size()).isEqualTo(before + 1);
    }
}
