package dev.lumen.gateway;

import static dev.lumen.gateway.GatewayFixture.KEY_A;
import static dev.lumen.gateway.GatewayFixture.KEY_B;
import static dev.lumen.gateway.GatewayFixture.KEY_GALLERY;
import static dev.lumen.gateway.GatewayFixture.KEY_LIMITED;
import static dev.lumen.gateway.GatewayFixture.KEY_QUOTA;
import static dev.lumen.gateway.GatewayFixture.KEY_RETENTION;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.contracts.ControlMessage;
import dev.lumen.contracts.ImageRef;
import dev.lumen.contracts.JobStatus;
import dev.lumen.contracts.JobSubmitted;
import dev.lumen.contracts.Messages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway over real HTTP, a real broker and a real S3 server; the test plays the scheduler
 * (publishing job states) and checks what the gateway publishes.
 */
class GatewayApiTest {
    @TempDir
    static Path dir;
    static GatewayFixture fx;
    static WebTestClient http;
    /**
     * Runs blocking calls that wait for the test's own actions. Not the common pool: with two cores it has one
     * thread, which the MinIO client also needs to complete its requests.
     */
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

    static String body(String prompt) {
        return "{\"prompt\":\"" + prompt + "\",\"size\":\"256x256\",\"steps\":4,\"n\":1}";
    }

    static EntityExchangeResult<Map<String, Object>> submit(String key, String body, String idempotencyKey) {
        WebTestClient.RequestBodySpec spec = http.post().uri("/v1/jobs").header("Authorization", "Bearer " + key)
                .contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            spec.header("Idempotency-Key", idempotencyKey);
        }
        return spec.bodyValue(body).exchange().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
        }).returnResult();
    }

    static String submitted(String key, String body) {
        EntityExchangeResult<Map<String, Object>> r = submit(key, body, null);
        assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(202);
        return (String) r.getResponseBody().get("id");
    }

    @Test
    void submitAnswers202AfterPublishingAndTheJobDecodes() {
        EntityExchangeResult<Map<String, Object>> r = submit(KEY_A, "{\"prompt\":\"a red cube\",\"size\":\"512x256\","
                + "\"negative_prompt\":\"blur\",\"seed\":42,\"steps\":8,\"guidance_scale\":3.5,\"sampler\":\"lcm\",\"priority\":2,"
                + "\"layout\":{\"caption\":\"desk\",\"regions\":[{\"box\":[0.1,0.1,0.5,0.5],\"caption\":\"a mug\"}]},"
                + "\"token_density\":{\"rules\":[{\"blocks\":[14,27],\"op\":\"kv_pool\"}]}}", null);
        assertThat(r.getStatus().value()).isEqualTo(202);
        String id = (String) r.getResponseBody().get("id");
        assertThat(r.getResponseHeaders().getLocation()).isEqualTo(URI.create("/v1/jobs/" + id));
        assertThat(r.getResponseBody()).containsEntry("status", "accepted").containsEntry("size", "512x256");

        JobSubmitted job = fx.awaitSubmitted(id);
        assertThat(job.tenant()).isEqualTo("tenant-a");
        assertThat(job.spec().prompt()).isEqualTo("a red cube");
        assertThat(job.spec().width()).isEqualTo(512);
        assertThat(job.spec().height()).isEqualTo(256);
        assertThat(job.spec().seed()).isEqualTo(42);
        assertThat(job.spec().sampler()).isEqualTo("lcm");
        assertThat(job.spec().guidanceScale()).isEqualTo(3.5);
        assertThat(job.spec().priority()).isEqualTo(2);
        assertThat(job.spec().layout().regions().getFirst().caption()).isEqualTo("a mug");
        assertThat(job.spec().layout().caption()).isEqualTo("desk");
        // The rules travel in canonical form, defaults spelt out.
        assertThat(job.spec().tokenDensity().toString())
                .isEqualTo("{\"rules\":[{\"op\":\"kv_pool\",\"blocks\":\"14-27\",\"s\":2,\"mode\":\"avg\"}]}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenDensityTakesAPresetAFractionOrRulesOnBothEndpointsAndTheJobShowsWhatRan() throws Exception {
        // /v1/jobs: a preset (any case) and a fraction, forwarded in canonical form and shown as requested.
        String preset = submitted(KEY_A, "{\"prompt\":\"dense-ish\",\"size\":\"256x256\",\"token_density\":\"Balanced\"}");
        assertThat(fx.awaitSubmitted(preset).spec().tokenDensity().asString()).isEqualTo("balanced");
        Map<String, Object> queued = getJob(preset);
        assertThat((Map<String, Object>) queued.get("token_density")).containsOnly(Map.entry("requested", "balanced"));
        String fraction = submitted(KEY_A, "{\"prompt\":\"a fraction\",\"token_density\":0.8}");
        assertThat(fx.awaitSubmitted(fraction).spec().tokenDensity().asDouble()).isEqualTo(0.8);
        assertThat(getJob(submitted(KEY_A, "{\"prompt\":\"plain\"}"))).doesNotContainKey("token_density");

        // /v1/images/generations: the same field, and the job's state shows the plan the worker reported.
        CompletableFuture<EntityExchangeResult<Map<String, Object>>> call = CompletableFuture.supplyAsync(() ->
                http.post().uri("/v1/images/generations").header("Authorization", "Bearer " + KEY_A)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"prompt\":\"openai low\",\"size\":\"256x256\",\"token_density\":\"low\"}")
                        .exchange().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                        }).returnResult(), CALLER);
        JobSubmitted job = fx.awaitSubmittedByPrompt("openai low");
        assertThat(job.spec().tokenDensity().asString()).isEqualTo("low");
        dev.lumen.contracts.TokenDensityReport ran = new dev.lumen.contracts.TokenDensityReport(job.spec().tokenDensity(),
                "preset low", List.of("t=999: 0-1 dense, 2-27 kv_pool(s=2,avg)"), 712_000_000L, 1_000_000_000L, 0.712, true);
        fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(job, 0, new byte[] {1, 2, 3})), ran);
        assertThat(call.get().getStatus().value()).isEqualTo(200);
        Map<String, Object> done = GatewayFixture.await(() -> {
            Map<String, Object> j = getJob(job.jobId());
            return "succeeded".equals(j.get("status")) ? j : null;
        });
        assertThat((Map<String, Object>) done.get("token_density")).containsEntry("requested", "low")
                .containsEntry("plan", "preset low").containsEntry("transformer_flops", 712_000_000)
                .containsEntry("dense_flops", 1_000_000_000).containsEntry("fraction", 0.712)
                .containsEntry("steps", List.of("t=999: 0-1 dense, 2-27 kv_pool(s=2,avg)"))
                .containsEntry("experimental", true);
        // Until it ran, whether it is experimental is not known (a fraction's preset is picked by the worker).
        assertThat((Map<String, Object>) queued.get("token_density")).doesNotContainKey("experimental");
    }

    static Map<String, Object> getJob(String id) {
        return http.get().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isOk().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
    }

    @Test
    void badTokenDensityValuesGet400NamingTheFieldOnBothEndpointsAndQueueNothing() throws Exception {
        StringBuilder many = new StringBuilder("{\"rules\":[");
        for (int i = 0; i < 400; i++) {
            many.append(i == 0 ? "" : ",").append("{\"op\":\"kv_pool\",\"blocks\":\"0-1\"}");
        }
        String[][] cases = {
                // value | field | in the detail
                {"true", "token_density", "token_density must be a preset name (full, high, balanced, low, minimal)"},
                {"[1, 0.5]", "token_density", "token_density must be a preset name"},
                {"0", "token_density", "must be in (0, 1], got 0.0"},
                {"1.5", "token_density", "must be in (0, 1], got 1.5"},
                {"\"turbo\"", "token_density", "token_density \"turbo\" is not a preset; use one of full, high, balanced, low, minimal"},
                {"{\"schedule\": [1, 0.5]}", "token_density", "token_density as an object must be {\"rules\": [...]}"},
                {"{\"rules\": []}", "token_density.rules", "token_density rules must hold at least one rule"},
                {"{\"rules\": [{\"op\": \"dense\"}, {\"op\": \"kv_pool\", \"blocks\": \"7-3\"}]}", "token_density.rules[1].blocks",
                        "token_density rules[1] (kv_pool): \"blocks\" 7-3 is not a range of blocks"},
                {"{\"rules\": [{\"op\": \"kv_pool\", \"t\": [900, 800]}]}", "token_density.rules[0].t",
                        "token_density rules[0] (kv_pool): \"t\" [900, 800] must satisfy 0 ≤ from < to ≤ 1000"},
                {"{\"rules\": [{\"op\": \"coarse\", \"s\": 3}]}", "token_density.rules[0].s", "\"s\" must be 2 or 4, got 3"},
                {"{\"rules\": [{\"op\": \"mean_v\"}]}", "token_density.rules[0].experimental", "(mean_v) is experimental"},
                {many + "]}", "token_density", "must be at most 8192 characters of JSON"},
        };
        for (String path : List.of("/v1/jobs", "/v1/images/generations")) {
            for (String[] c : cases) {
                String what = path + " " + c[0].substring(0, Math.min(60, c[0].length()));
                EntityExchangeResult<Map<String, Object>> r = http.post().uri(path)
                        .header("Authorization", "Bearer " + GatewayFixture.KEY_FUZZ).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"prompt\":\"a cat\",\"token_density\":" + c[0] + "}").exchange()
                        .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                        }).returnResult();
                assertThat(r.getStatus().value()).as(what).isEqualTo(400);
                assertThat(r.getResponseHeaders().getContentType()).as(what).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
                assertThat(r.getResponseBody()).as(what).containsEntry("type", "https://lumen.dev/problems/invalid-request")
                        .containsEntry("field", c[1]);
                assertThat((String) r.getResponseBody().get("detail")).as(what).contains(c[2]);
            }
        }
        Thread.sleep(300);
        assertThat(fx.submittedByTenant("tenant-fuzz")).isEmpty();
    }

    @Test
    void jobStatesDriveGetAndEventsAndTheImageRedirectServesTheBytes() throws Exception {
        String id = submitted(KEY_A, body("a blue sphere"));
        JobSubmitted job = fx.awaitSubmitted(id);

        Iterator<ServerSentEvent<Map<String, Object>>> events = http.get().uri("/v1/jobs/" + id + "/events")
                .header("Authorization", "Bearer " + KEY_A).accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
                }).getResponseBody().filter(e -> e.event() != null).timeout(Duration.ofSeconds(15)).toIterable().iterator();
        ServerSentEvent<Map<String, Object>> first = events.next();
        assertThat(first.event()).isEqualTo("queued");
        assertThat(first.data()).containsEntry("id", id);

        fx.publishState(job, JobStatus.QUEUED, null, null);
        fx.publishState(job, JobStatus.RUNNING, null, null);
        fx.publishState(job, JobStatus.RUNNING, 1, null);
        fx.publishState(job, JobStatus.RUNNING, 2, null);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4};
        ImageRef image = fx.storeImage(job, 0, png);
        fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(image));

        List<String> names = new ArrayList<>();
        List<ServerSentEvent<Map<String, Object>>> rest = new ArrayList<>();
        events.forEachRemaining(e -> {
            names.add(e.event());
            rest.add(e);
        });
        assertThat(names).containsExactly("started", "progress", "progress", "completed");
        assertThat(rest.get(1).data()).containsEntry("step", 1).containsEntry("steps", 4);

        Map<String, Object> got = http.get().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isOk().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
        assertThat(got).containsEntry("status", "succeeded");
        assertThat(got.get("images").toString()).contains("/v1/jobs/" + id + "/images/0");

        URI location = http.get().uri("/v1/jobs/" + id + "/images/0").header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isFound().returnResult(Void.class).getResponseHeaders().getLocation();
        assertThat(location.toString()).startsWith(fx.s3.endpoint().toString()).contains("X-Amz-Signature");
        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(location).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(png);

        // Images that do not exist, and the state stream of a finished job ends at once.
        http.get().uri("/v1/jobs/" + id + "/images/1").header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isNotFound();
        List<String> again = http.get().uri("/v1/jobs/" + id + "/events").header("Authorization", "Bearer " + KEY_A)
                .exchange().returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
                }).getResponseBody().filter(e -> e.event() != null).map(ServerSentEvent::event)
                .collectList().block(Duration.ofSeconds(10));
        assertThat(again).containsExactly("completed");
    }

    static Map<String, Object> getJson(String key, String path) {
        return http.get().uri(path).header("Authorization", "Bearer " + key).exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJobListShowsTheTenantsNewestJobsFirstAsGetShowsThem() {
        List<String> ids = new ArrayList<>();
        for (String prompt : List.of("gallery one", "gallery two", "gallery three")) {
            ids.add(submitted(KEY_GALLERY, "{\"prompt\":\"" + prompt + "\",\"size\":\"128x64\",\"steps\":3,\"seed\":9,"
                    + "\"negative_prompt\":\"blur\",\"guidance_scale\":2.5}"));
        }
        JobSubmitted second = fx.awaitSubmitted(ids.get(1));
        fx.publishState(second, JobStatus.RUNNING, 2, null);
        GatewayFixture.await(() -> "running".equals(getJson(KEY_GALLERY, "/v1/jobs/" + ids.get(1)).get("status")) ? true : null);

        Map<String, Object> page = getJson(KEY_GALLERY, "/v1/jobs?limit=2");
        assertThat(page).containsEntry("object", "list");
        List<Map<String, Object>> data = (List<Map<String, Object>>) page.get("data");
        assertThat(data).extracting(j -> j.get("id")).containsExactly(ids.get(2), ids.get(1));
        // Each entry is the job exactly as GET /v1/jobs/{id} shows it, prompt and settings included.
        for (Map<String, Object> job : data) {
            assertThat(job).isEqualTo(getJson(KEY_GALLERY, "/v1/jobs/" + job.get("id")));
        }
        assertThat(data.get(0)).containsEntry("prompt", "gallery three").containsEntry("negative_prompt", "blur")
                .containsEntry("steps", 3).containsEntry("guidance_scale", 2.5).containsEntry("sampler", "dpm-solver")
                .containsEntry("size", "128x64").containsEntry("seed", 9);
        assertThat(data.get(1)).containsEntry("status", "running").containsEntry("progress", Map.of("step", 2, "steps", 3));

        List<Map<String, Object>> all = (List<Map<String, Object>>) getJson(KEY_GALLERY, "/v1/jobs").get("data");
        assertThat(all).extracting(j -> j.get("id")).containsExactly(ids.get(2), ids.get(1), ids.get(0));
        // Another tenant's list has none of them.
        List<Map<String, Object>> other = (List<Map<String, Object>>) getJson(KEY_B, "/v1/jobs?limit=100").get("data");
        assertThat(other).extracting(j -> j.get("id")).doesNotContainAnyElementsOf(ids);
    }

    @Test
    void aBadPageSizeIsA400NamingLimitAndTheListNeedsAKey() {
        for (String limit : List.of("0", "101", "ten", "-1", "2.5", "")) {
            http.get().uri("/v1/jobs?limit=" + limit).header("Authorization", "Bearer " + KEY_GALLERY).exchange()
                    .expectStatus().isBadRequest().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.field").isEqualTo("limit")
                    .jsonPath("$.title").isEqualTo("Invalid request")
                    .jsonPath("$.detail").value(d -> assertThat((String) d).startsWith("\"limit\" must be"));
        }
        http.get().uri("/v1/jobs").exchange().expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void anImageLinkComesAsJsonWhenAskedForByName() throws Exception {
        String id = submitted(KEY_GALLERY, body("an image link"));
        JobSubmitted job = fx.awaitSubmitted(id);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 9, 8, 7};
        fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(job, 0, png)));
        GatewayFixture.await(() -> "succeeded".equals(getJson(KEY_GALLERY, "/v1/jobs/" + id).get("status")) ? true : null);

        Map<String, Object> link = http.get().uri("/v1/jobs/" + id + "/images/0").header("Authorization", "Bearer " + KEY_GALLERY)
                .accept(MediaType.APPLICATION_JSON).exchange().expectStatus().isOk()
                .expectHeader().valueEquals("Cache-Control", "no-store")
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
        assertThat(link).containsEntry("index", 0).containsEntry("width", 256).containsEntry("height", 256);
        Instant expires = Instant.parse((String) link.get("expires_at"));
        assertThat(expires).isBetween(Instant.now().plusSeconds(240), Instant.now().plusSeconds(301));
        URI url = URI.create((String) link.get("url"));
        assertThat(url.toString()).startsWith(fx.s3.endpoint().toString()).contains("X-Amz-Signature");
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body()).isEqualTo(png);

        // Anything else, a wildcard included, still gets the redirect.
        for (String accept : List.of("*/*", "image/png", "application/*", "text/html, */*;q=0.8")) {
            http.get().uri("/v1/jobs/" + id + "/images/0").header("Authorization", "Bearer " + KEY_GALLERY)
                    .header("Accept", accept).exchange().expectStatus().isFound().expectHeader()
                    .value("Location", l -> assertThat(l).contains("X-Amz-Signature"));
        }
        // Errors stay problem documents.
        http.get().uri("/v1/jobs/" + id + "/images/3").header("Authorization", "Bearer " + KEY_GALLERY)
                .accept(MediaType.APPLICATION_JSON).exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void thePlaygroundAndEveryModuleItImportsAreServedWithoutAKey() {
        String page = http.get().uri("/").accept(MediaType.TEXT_HTML).exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(page).contains("<title>Lumen playground</title>")
                .contains("<script type=\"module\" src=\"playground/app.js\"></script>")
                .contains("href=\"playground/playground.css\"");
        http.get().uri("/playground/playground.css").exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.valueOf("text/css"));
        // Follow the module graph from app.js: a module the browser cannot load breaks the whole page.
        Deque<String> pending = new ArrayDeque<>(List.of("app.js"));
        Set<String> seen = new HashSet<>();
        Pattern importFrom = Pattern.compile("from '\\./([a-z-]+\\.js)'");
        while (!pending.isEmpty()) {
            String module = pending.pop();
            if (!seen.add(module)) {
                continue;
            }
            EntityExchangeResult<String> r = http.get().uri("/playground/" + module).exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult();
            assertThat(String.valueOf(r.getResponseHeaders().getContentType())).as(module).contains("javascript");
            Matcher m = importFrom.matcher(r.getResponseBody());
            while (m.find()) {
                pending.push(m.group(1));
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("app.js", "api.js", "sse.js", "layout-editor.js", "curl.js");
        // The page is public; the API behind it is not.
        http.get().uri("/v1/jobs").exchange().expectStatus().isUnauthorized();
        http.get().uri("/playground/missing.js").exchange().expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void idempotencyKeyGivesTheSameJobForTheSameBodyAnd422ForAnother() {
        EntityExchangeResult<Map<String, Object>> first = submit(KEY_A, body("idem"), "retry-1");
        EntityExchangeResult<Map<String, Object>> second = submit(KEY_A, body("idem"), "retry-1");
        assertThat(first.getStatus().value()).isEqualTo(202);
        assertThat(second.getStatus().value()).isEqualTo(202);
        String id = (String) first.getResponseBody().get("id");
        assertThat(second.getResponseBody()).containsEntry("id", id);
        assertThat(second.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");

        EntityExchangeResult<Map<String, Object>> other = submit(KEY_A, body("something else"), "retry-1");
        assertThat(other.getStatus().value()).isEqualTo(422);
        assertThat(other.getResponseHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(other.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/idempotency-key-reuse");

        // The same key in another tenant is another job.
        EntityExchangeResult<Map<String, Object>> tenantB = submit(KEY_B, body("idem"), "retry-1");
        assertThat(tenantB.getStatus().value()).isEqualTo(202);
        assertThat(tenantB.getResponseBody().get("id")).isNotEqualTo(id);

        fx.awaitSubmitted(id);
        fx.awaitSubmitted((String) tenantB.getResponseBody().get("id"));
        assertThat(fx.jobs.stream().filter(r -> id.equals(r.key())).count()).isEqualTo(1);
    }

    @Test
    void cancelPublishesAControlMessageAndAFinishedJobCannotBeCancelled() {
        String id = submitted(KEY_A, body("to cancel"));
        JobSubmitted job = fx.awaitSubmitted(id);
        http.delete().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isAccepted().expectBody().jsonPath("$.id").isEqualTo(id);
        ControlMessage cancel = GatewayFixture.await(() -> fx.control.stream().filter(r -> id.equals(r.key())).findFirst()
                .map(r -> Messages.decode(r.value(), ControlMessage.class)).orElse(null));
        assertThat(cancel.type()).isEqualTo(ControlMessage.Type.CANCEL);
        assertThat(cancel.tenant()).isEqualTo("tenant-a");

        fx.publishState(job, JobStatus.CANCELLED, null, null);
        GatewayFixture.await(() -> http.get().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectBody(Map.class).returnResult().getResponseBody().get("status").equals("cancelled") ? true : null);
        http.delete().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.type").isEqualTo("https://lumen.dev/problems/job-not-cancellable");
    }

    @Test
    void anotherTenantSeesNothing() {
        String id = submitted(KEY_A, body("private"));
        JobSubmitted job = fx.awaitSubmitted(id);
        fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(job, 0, new byte[] {1})));
        int controlBefore = fx.control.size();
        for (String path : List.of("/v1/jobs/" + id, "/v1/jobs/" + id + "/events", "/v1/jobs/" + id + "/images/0")) {
            http.get().uri(path).header("Authorization", "Bearer " + KEY_B).exchange().expectStatus().isNotFound()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.type").isEqualTo("https://lumen.dev/problems/not-found");
        }
        http.delete().uri("/v1/jobs/" + id).header("Authorization", "Bearer " + KEY_B).exchange().expectStatus().isNotFound();
        assertThat(fx.control.size()).isEqualTo(controlBefore);
    }

    private double rejections(String reason) {
        var counter = fx.gateway.getBean(io.micrometer.core.instrument.MeterRegistry.class)
                .find("lumen.ratelimit.rejections").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void rateLimitAnswers429WithRetryAfter() {
        double rejectedBefore = rejections("rate");
        assertThat(submit(KEY_LIMITED, body("r1"), null).getStatus().value()).isEqualTo(202);
        assertThat(submit(KEY_LIMITED, body("r2"), null).getStatus().value()).isEqualTo(202);
        EntityExchangeResult<Map<String, Object>> third = submit(KEY_LIMITED, body("r3"), null);
        assertThat(third.getStatus().value()).isEqualTo(429);
        assertThat(third.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/rate-limited");
        assertThat(Long.parseLong(third.getResponseHeaders().getFirst("Retry-After"))).isGreaterThanOrEqualTo(1);
        assertThat(rejections("rate") - rejectedBefore).isEqualTo(1);
    }

    @Test
    void queueQuotaAnswers429UntilAJobFinishes() {
        double rejectedBefore = rejections("quota");
        String first = submitted(KEY_QUOTA, body("q1"));
        submitted(KEY_QUOTA, body("q2"));
        EntityExchangeResult<Map<String, Object>> third = submit(KEY_QUOTA, body("q3"), null);
        assertThat(third.getStatus().value()).isEqualTo(429);
        assertThat(third.getResponseBody()).containsEntry("type", "https://lumen.dev/problems/quota-exceeded");
        assertThat(third.getResponseHeaders().getFirst("Retry-After")).isEqualTo("5");
        assertThat(fx.submittedByTenant("tenant-d")).noneMatch(j -> j.spec().prompt().equals("q3"));
        assertThat(rejections("quota") - rejectedBefore).isEqualTo(1);

        fx.publishState(fx.awaitSubmitted(first), JobStatus.FAILED, null, null);
        GatewayFixture.await(() -> submit(KEY_QUOTA, body("q4"), null).getStatus().value() == 202 ? true : null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTombstonedJobIsGoneLikeAnUnknownOneItsStreamEndsAndItsQuotaSlotIsFree() {
        String done = submitted(KEY_RETENTION, body("kept a while"));
        JobSubmitted doneJob = fx.awaitSubmitted(done);
        fx.publishState(doneJob, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(doneJob, 0, new byte[] {1, 2, 3})));
        GatewayFixture.await(() -> "succeeded".equals(getJson(KEY_RETENTION, "/v1/jobs/" + done).get("status")) ? true : null);
        assertThat((List<Map<String, Object>>) getJson(KEY_RETENTION, "/v1/jobs").get("data"))
                .extracting(j -> j.get("id")).containsExactly(done);

        // The key's only slot, held by a job whose terminal state this gateway never reads: compaction
        // can leave a lagging reader nothing but the tombstone. Someone is watching it.
        String lost = submitted(KEY_RETENTION, body("lost to compaction"));
        fx.awaitSubmitted(lost);
        assertThat(submit(KEY_RETENTION, body("over quota"), null).getStatus().value()).isEqualTo(429);
        Iterator<ServerSentEvent<Map<String, Object>>> events = http.get().uri("/v1/jobs/" + lost + "/events")
                .header("Authorization", "Bearer " + KEY_RETENTION).accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
                }).getResponseBody().filter(e -> e.event() != null).timeout(Duration.ofSeconds(10)).toIterable().iterator();
        assertThat(events.next().event()).isEqualTo("queued");

        fx.publishTombstone(done);
        fx.publishTombstone(lost);

        Map<String, Object> unknown = notFound("/v1/jobs/job_neverexisted");
        GatewayFixture.await(() -> http.get().uri("/v1/jobs/" + lost).header("Authorization", "Bearer " + KEY_RETENTION)
                .exchange().returnResult(Void.class).getStatus().value() == 404 ? true : null);
        for (String id : List.of(done, lost)) {
            Map<String, Object> problem = notFound("/v1/jobs/" + id);
            assertThat(problem).containsEntry("type", unknown.get("type")).containsEntry("status", 404)
                    .containsEntry("title", unknown.get("title")).containsEntry("detail", "no job " + id);
            notFound("/v1/jobs/" + id + "/events");
            notFound("/v1/jobs/" + id + "/images/0");
        }
        assertThat((List<Map<String, Object>>) getJson(KEY_RETENTION, "/v1/jobs").get("data")).isEmpty();
        // The open stream ended (no terminal event: there was none to send), well before its timeout.
        List<String> rest = new ArrayList<>();
        events.forEachRemaining(e -> rest.add(e.event()));
        assertThat(rest).isEmpty();
        assertThat(submit(KEY_RETENTION, body("after the purge"), null).getStatus().value()).isEqualTo(202);
    }

    static Map<String, Object> notFound(String path) {
        return http.get().uri(path).header("Authorization", "Bearer " + KEY_RETENTION).exchange()
                .expectStatus().isNotFound().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
    }

    @Test
    void openAiCallAnswersWithUrlsOrBase64WhenTheJobCompletes() throws Exception {
        for (String format : List.of("url", "b64_json")) {
            String prompt = "openai " + format;
            CompletableFuture<EntityExchangeResult<Map<String, Object>>> call = CompletableFuture.supplyAsync(() ->
                    http.post().uri("/v1/images/generations").header("Authorization", "Bearer " + KEY_A)
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue("{\"model\":\"pixart-lcm\",\"prompt\":\"" + prompt + "\",\"n\":1,\"size\":\"256x256\","
                                    + "\"response_format\":\"" + format + "\",\"user\":\"u1\",\"quality\":\"hd\"}")
                            .exchange().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                            }).returnResult(), CALLER);
            JobSubmitted job = fx.awaitSubmittedByPrompt(prompt);
            assertThat(job.spec().sampler()).isEqualTo("lcm");
            byte[] png = ("png of " + format).getBytes();
            fx.publishState(job, JobStatus.SUCCEEDED, null, List.of(fx.storeImage(job, 0, png)));
            EntityExchangeResult<Map<String, Object>> r = call.get();
            assertThat(r.getStatus().value()).as("%s", r.getResponseBody()).isEqualTo(200);
            assertThat(r.getResponseBody()).containsKey("created");
            @SuppressWarnings("unchecked")
            Map<String, Object> datum = ((List<Map<String, Object>>) r.getResponseBody().get("data")).getFirst();
            if (format.equals("url")) {
                URI url = URI.create((String) datum.get("url"));
                assertThat(url.getQuery()).contains("X-Amz-Expires=3600");
                assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                        HttpResponse.BodyHandlers.ofByteArray()).body()).isEqualTo(png);
            } else {
                assertThat(java.util.Base64.getDecoder().decode((String) datum.get("b64_json"))).isEqualTo(png);
            }
        }
    }

    @Test
    void openAiCallPastTheBoundAnswers202WithTheJob() {
        EntityExchangeResult<Map<String, Object>> r = http.post().uri("/v1/images/generations")
                .header("Authorization", "Bearer " + KEY_A).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"prompt\":\"never finishes\"}").exchange()
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult();
        assertThat(r.getStatus().value()).isEqualTo(202);
        String id = (String) r.getResponseBody().get("id");
        assertThat(r.getResponseHeaders().getLocation()).isEqualTo(URI.create("/v1/jobs/" + id));
        fx.awaitSubmitted(id);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyModelListsTheTokenDensityPresetsWithTheExperimentalOnesMarked() {
        Map<String, Object> models = http.get().uri("/v1/models").header("Authorization", "Bearer " + KEY_A).exchange()
                .expectStatus().isOk().expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
                }).returnResult().getResponseBody();
        List<Map<String, Object>> data = (List<Map<String, Object>>) models.get("data");
        assertThat(data).hasSizeGreaterThan(1);
        for (Map<String, Object> model : data) {
            assertThat((List<Map<String, Object>>) model.get("token_density_presets")).as((String) model.get("id"))
                    .containsExactly(Map.of("name", "full", "experimental", false),
                            Map.of("name", "high", "experimental", true),
                            Map.of("name", "balanced", "experimental", true),
                            Map.of("name", "low", "experimental", true),
                            Map.of("name", "minimal", "experimental", true));
        }
    }

    @Test
    void modelsOpenApiHealthAndMetricsAreServed() {
        http.get().uri("/v1/models").header("Authorization", "Bearer " + KEY_A).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.data[0].id").isEqualTo("pixart-512")
                .jsonPath("$.data[1].defaults.sampler").isEqualTo("lcm");
        http.get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.components.schemas.TokenDensityPreset.properties.experimental.description")
                .value(d -> assertThat((String) d).contains("missed its quality bar"));
        http.get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.components.schemas.TokenDensity.properties.experimental.description")
                .value(d -> assertThat((String) d).contains("whether what ran is experimental"));
        http.get().uri("/v1/models").exchange().expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer realm=\"lumen\"");
        http.get().uri("/v3/api-docs").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.paths['/v1/jobs'].post").exists()
                .jsonPath("$.paths['/v1/images/generations'].post").exists();
        GatewayFixture.await(() -> http.get().uri("/actuator/health/readiness").exchange()
                .returnResult(String.class).getStatus().value() == 200 ? true : null);
        submitted(KEY_A, body("metrics"));
        submit(KEY_A, "{", null);
        String metrics = http.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseBody().collectList().block(Duration.ofSeconds(10)).stream()
                .reduce("", String::concat);
        assertThat(metrics).contains("lumen_gateway_jobs_accepted_total{api=\"jobs\"")
                .contains("lumen_gateway_rejections_total{type=\"invalid-request\"")
                .contains("http_server_requests_seconds_bucket")
                .contains("lumen_gateway_jobs{status=\"queued\"").contains("lumen_gateway_jobs{status=\"running\"");
    }

    @Test
    void aBarrageOfBadRequestsGetsOnlyProblemDocumentsAndPublishesNothing() throws Exception {
        String otherJob = submitted(KEY_A, body("not yours"));
        fx.awaitSubmitted(otherJob);
        int controlBefore = fx.control.size();
        List<BadInput.Request> requests = BadInput.generate(3000, 20261122L, GatewayFixture.KEY_FUZZ, otherJob);
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (BadInput.Request req : requests) {
            WebTestClient.RequestBodySpec spec = http.method(org.springframework.http.HttpMethod.valueOf(req.method()))
                    .uri(URI.create("http://127.0.0.1:" + fx.port + req.path().replace("%", "%25")));
            if (req.auth() != null) {
                spec.header("Authorization", req.auth());
            }
            if (req.contentType() != null) {
                spec.header("Content-Type", req.contentType());
            }
            if (req.idempotencyKey() != null) {
                spec.header("Idempotency-Key", req.idempotencyKey());
            }
            WebTestClient.RequestHeadersSpec<?> ready = req.body() != null ? spec.bodyValue(req.body()) : spec;
            EntityExchangeResult<byte[]> r = ready.exchange().expectBody(byte[].class).returnResult();
            int status = r.getStatus().value();
            statuses.merge(status, 1, Integer::sum);
            String what = req.why() + " " + req.method() + " " + req.path() + " -> " + status + " "
                    + (r.getResponseBody() == null ? "" : new String(r.getResponseBody(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(status).as(what).isBetween(400, 499);
            assertThat(String.valueOf(r.getResponseHeaders().getContentType())).as(what).startsWith("application/problem+json");
            assertThat(new String(r.getResponseBody(), java.nio.charset.StandardCharsets.UTF_8)).as(what)
                    .contains("\"type\":\"https://lumen.dev/problems/").contains("\"detail\":");
        }
        org.slf4j.LoggerFactory.getLogger(GatewayApiTest.class).info("bad-input statuses: {}", statuses);
        Thread.sleep(500);
        assertThat(fx.submittedByTenant("tenant-fuzz")).isEmpty();
        assertThat(fx.control.size()).isEqualTo(controlBefore);
        assertThat(statuses.keySet()).contains(400, 401, 404, 405, 413, 415);
    }
}
