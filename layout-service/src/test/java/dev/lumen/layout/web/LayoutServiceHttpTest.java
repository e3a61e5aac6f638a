package dev.lumen.layout.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.layout.LayoutServiceApplication;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/** layout-service over real HTTP on a started server. */
class LayoutServiceHttpTest {
    static ConfigurableApplicationContext app;
    static WebTestClient http;

    @BeforeAll
    static void start() {
        app = LayoutServiceApplication.start(Map.of("server.port", "0", "server.address", "127.0.0.1",
                "lumen.layout.max-regions", "12", "spring.main.banner-mode", "off"));
        String port = app.getEnvironment().getProperty("local.server.port");
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    static EntityExchangeResult<Map<String, Object>> post(String path, String body) {
        return http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
    }

    static void assertProblem(EntityExchangeResult<Map<String, Object>> r, int status, String type) {
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(status);
        assertThat(r.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(r.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/" + type)
                .containsEntry("status", status).containsKey("detail");
    }

    @Test
    @SuppressWarnings("unchecked")
    void planAnswersTheLayoutIrScoresAndWarnings() {
        EntityExchangeResult<Map<String, Object>> r = post("/v1/layouts",
                "{\"prompt\": \"a red ball to the left of a blue cube\", \"width\": 768, \"height\": 512}");
        assertThat(r.getStatus().value()).isEqualTo(200);
        Map<String, Object> body = r.getResponseBody();
        Map<String, Object> layout = (Map<String, Object>) body.get("layout");
        assertThat(layout).containsEntry("caption", "a red ball to the left of a blue cube")
                .containsEntry("background", "a plain background");
        List<Map<String, Object>> regions = (List<Map<String, Object>>) layout.get("regions");
        assertThat(regions).extracting(m -> m.get("caption")).containsExactly("a red ball", "a blue cube");
        List<Number> ball = (List<Number>) regions.get(0).get("box");
        List<Number> cube = (List<Number>) regions.get(1).get("box");
        assertThat(ball).hasSize(4);
        assertThat(ball.get(2).doubleValue()).isLessThan(cube.get(0).doubleValue());
        assertThat(body.get("planner")).isEqualTo(Map.of("name", "rule", "version", "1+lexicon.1"));
        Map<String, Object> ir = (Map<String, Object>) body.get("ir");
        assertThat((List<Map<String, Object>>) ir.get("relations"))
                .containsExactly(Map.of("type", "left_of", "a", "e1", "b", "e2"));
        assertThat((Map<String, Object>) body.get("scores")).containsEntry("constraint_satisfaction", 1.0)
                .containsEntry("valid", true).containsKeys("alignment", "overlap", "coverage", "min_side", "score");
        assertThat(body.get("warnings")).isEqualTo(List.of());

        // Same request, same answer.
        assertThat(post("/v1/layouts", "{\"prompt\": \"a red ball to the left of a blue cube\", \"width\": 768, \"height\": 512}")
                .getResponseBody()).isEqualTo(body);
    }

    @Test
    @SuppressWarnings("unchecked")
    void maxRegionsCapsThePlanWithAWarning() {
        EntityExchangeResult<Map<String, Object>> r = post("/v1/layouts", "{\"prompt\": \"five red balls\", \"max_regions\": 3}");
        assertThat(r.getStatus().value()).isEqualTo(200);
        assertThat((List<?>) ((Map<String, Object>) r.getResponseBody().get("layout")).get("regions")).hasSize(3);
        assertThat((List<String>) r.getResponseBody().get("warnings")).containsExactly(
                "\"a red ball\" × 5 capped to × 3: at most 3 regions");
        assertProblem(post("/v1/layouts", "{\"prompt\": \"a cat\", \"max_regions\": 13}"), 400, "invalid-request");
    }

    @Test
    @SuppressWarnings("unchecked")
    void badPlanRequestsGetProblemsNamingTheField() {
        EntityExchangeResult<Map<String, Object>> unknown = post("/v1/layouts", "{\"prompt\": \"a cat\", \"promt\": 1}");
        assertProblem(unknown, 400, "invalid-request");
        assertThat(unknown.getResponseBody()).containsEntry("field", "promt");
        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\", \"width\": 8}").getResponseBody())
                .containsEntry("detail", "\"width\" must be within 16..8192, not 8");
        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\", \"width\": \"512\"}").getResponseBody())
                .containsEntry("field", "width");
        assertThat(post("/v1/layouts", "{\"width\": 512}").getResponseBody())
                .containsEntry("detail", "\"prompt\" is required and must be a non-blank string");
        assertThat(post("/v1/layouts", "{\"prompt\": \"a cat\", \"planner\": \"llm\"}").getResponseBody().get("detail"))
                .asString().contains("no LLM planner");
        assertProblem(post("/v1/layouts", "{\"prompt\": \"a cat\", \"prompt\": \"a dog\"}"), 400, "invalid-request");
        assertProblem(post("/v1/layouts", "[1]"), 400, "invalid-request");
        assertProblem(post("/v1/layouts", "{\"prompt\": \"" + "x".repeat(2001) + "\"}"), 400, "invalid-request");

        EntityExchangeResult<Map<String, Object>> nothing = post("/v1/layouts", "{\"prompt\": \"glorp, blorp!\"}");
        assertProblem(nothing, 422, "layout-not-planned");
        assertThat((List<String>) nothing.getResponseBody().get("unknown_words")).containsExactly("glorp", "blorp");

        EntityExchangeResult<Map<String, Object>> text = http.post().uri("/v1/layouts").contentType(MediaType.TEXT_PLAIN)
                .bodyValue("a cat").exchange().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
        assertProblem(text, 415, "unsupported-media-type");
        assertProblem(post("/v1/layouts", "{\"prompt\": \"" + "a".repeat(70_000) + "\"}"), 413, "payload-too-large");
        EntityExchangeResult<Map<String, Object>> missing = http.get().uri("/v1/nothing").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
        assertProblem(missing, 404, "not-found");
        EntityExchangeResult<Map<String, Object>> method = http.get().uri("/v1/layouts").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
        assertProblem(method, 405, "method-not-allowed");
    }

    @Test
    @SuppressWarnings("unchecked")
    void validateNormalisesAValidLayoutAndWarnsAboutWeakSpots() {
        EntityExchangeResult<Map<String, Object>> r = post("/v1/layouts/validate", """
                {"prompt": "apples on a table", "width": 1024, "height": 1024,
                 "layout": {"regions": [
                   {"box": [0.1, 0.1, 0.5, 0.5], "caption": "  three   red apples "},
                   {"box": [0.3, 0.3, 0.6, 0.6], "caption": "a cup on the table"},
                   {"box": [0.9, 0.9, 0.935, 0.95], "caption": "a fly"}],
                  "control": {"strength": 0.7}}}""");
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(200);
        Map<String, Object> body = r.getResponseBody();
        assertThat(body).containsEntry("valid", true);
        Map<String, Object> layout = (Map<String, Object>) body.get("layout");
        assertThat(layout).containsEntry("caption", "apples on a table").containsEntry("control", Map.of("strength", 0.7));
        assertThat((List<Map<String, Object>>) layout.get("regions")).extracting(m -> m.get("caption"))
                .containsExactly("three red apples", "a cup on the table", "a fly");
        assertThat((List<String>) body.get("warnings")).containsExactly(
                "regions[0].caption \"three red apples\" is plural: one region per instance with a singular caption"
                        + " (\"a red apple\") counts better",
                "regions[1].caption \"a cup on the table\" names a relation or place: describe the object; its box says"
                        + " where it is",
                "regions[2] is 36×51 px at 1024×1024, under 3×3 tokens (48 px): small regions are unreliable");
        assertThat((Map<String, Object>) body.get("scores")).containsEntry("valid", true).doesNotContainKey("score");
    }

    @Test
    @SuppressWarnings("unchecked")
    void validateExplainsEveryProblemOfABadLayout() {
        EntityExchangeResult<Map<String, Object>> r = post("/v1/layouts/validate", """
                {"layout": {"caption": "c", "regions": [
                   {"box": [0.1, 0.1, 0.5, 0.5], "caption": "a cat"},
                   {"box": [0.5, 0.1, 0.4, 0.5], "caption": "a dog"},
                   {"box": [0.1, 0.1, 0.5, 1e400], "caption": ""}]}}""");
        assertProblem(r, 400, "invalid-request");
        assertThat(r.getResponseBody()).containsEntry("field", "layout.regions[1].box.x1")
                .containsEntry("detail", "\"layout.regions[1].box.x1\" must be greater than x0 = 0.5, not 0.4 (boxes are"
                        + " [x0, y0, x1, y1]) (and 2 more problems, see errors)");
        assertThat((List<Map<String, String>>) r.getResponseBody().get("errors")).containsExactly(
                Map.of("field", "layout.regions[1].box.x1",
                        "message", "must be greater than x0 = 0.5, not 0.4 (boxes are [x0, y0, x1, y1])"),
                Map.of("field", "layout.regions[2].box.y1", "message", "must be a finite number, not Infinity"),
                Map.of("field", "layout.regions[2].caption", "message", "must not be blank"));
        assertThat(post("/v1/layouts/validate", "{\"prompt\": \"x\"}").getResponseBody())
                .containsEntry("field", "layout");
        // The limit of this service (12) applies, and a request may lower it.
        StringBuilder regions = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            regions.append(i == 0 ? "" : ",").append("{\"box\": [0, 0, 0.5, 0.5], \"caption\": \"a cat\"}");
        }
        String eleven = "{\"caption\": \"cats\", \"regions\": [" + regions + "]}";
        assertThat(post("/v1/layouts/validate", "{\"layout\": " + eleven + "}").getStatus().value()).isEqualTo(200);
        assertThat(post("/v1/layouts/validate", "{\"layout\": " + eleven + ", \"max_regions\": 10}").getResponseBody())
                .containsEntry("detail", "\"layout.regions\" has 11 regions; at most 10 are allowed");
    }

    @Test
    void healthIsUp() {
        http.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("UP");
        http.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
    }
}
