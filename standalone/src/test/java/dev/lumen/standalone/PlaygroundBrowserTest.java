package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lumen.contracts.Messages;
import dev.lumen.worker.Backend;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The web playground in a real browser: Debian's headless Chromium, driven through its
 * chromedriver by Selenium, on the page the gateway serves at the URL {@code ./lumen serve} prints,
 * against the whole platform in this JVM (real broker, S3 server, scheduler and worker) on the
 * bundled demo model (small and fast on a CPU, and it draws what the prompts ask, so the screenshot
 * shows something). What the page shows is checked against the API: the job it submitted, the
 * layout recorded on it, its status. One platform and one browser serve every test; each test
 * starts from a freshly loaded page.
 */
class PlaygroundBrowserTest {
    private static final Logger LOG = LoggerFactory.getLogger(PlaygroundBrowserTest.class);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration JOB_DEADLINE = Duration.ofSeconds(150);
    private static final Path SCREENSHOTS = Path.of("target", "playground");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    private static StandalonePlatform platform;
    private static ChromeDriver browser;
    private static String pageUrl;

    @BeforeAll
    static void start() throws Exception {
        DebianPackages.ensure("the playground's browser tests", List.of(CHROMIUM, CHROMEDRIVER), "chromium", "chromium-driver");
        Path models = DebianPackages.repositoryRoot().resolve("models");
        // The DPM-Solver demo model first (the page's default), the distilled one beside it.
        platform = StandalonePlatform.start(new StandalonePlatform.Options(List.of(
                new StandalonePlatform.ServedModel(models.resolve(BundledModels.DEMO_NAME), BundledModels.DEMO_NAME,
                        "dpm-solver", 64, 20, 4.5),
                new StandalonePlatform.ServedModel(models.resolve(BundledModels.DEMO_LCM_NAME),
                        BundledModels.DEMO_LCM_NAME, "lcm", 64, 4, 0.0)),
                0, 0, 0, dir.resolve("platform"), Backend.CPU));
        pageUrl = ServeCommand.playgroundUrl(platform.baseUrl());

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // No network but loopback here: nothing in the background may try to reach out.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--window-size=1280,2000", "--user-data-dir=" + dir.resolve("chromium-profile"));
        // The Debian driver, named outright, so Selenium Manager never looks for (or downloads) one.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        HTTP.close();
        if (platform != null) {
            platform.close();
        }
    }

    @BeforeEach
    void openPage() {
        browser.manage().window().setSize(new Dimension(1280, 2000));
        browser.get(pageUrl);
        waitUntil(Duration.ofSeconds(30), "the page has loaded the models",
                () -> "true".equals(byCss("body").getDomAttribute("data-ready")));
    }

    @Test
    void aPromptRunsTheProgressBarToTheEndAndItsImageAppears() throws Exception {
        String key = "playground-test-key";
        type("api-key", key);
        byId("prompt").click(); // the key field's change event stores the key
        type("prompt", "a large red circle in the top left");
        type("steps", "10");
        byId("dice").click();
        String seed = byId("seed").getDomProperty("value");
        assertThat(seed).matches("[0-9]+");
        byId("submit").click();

        String jobId = awaitResult("succeeded");
        WebElement progress = byId("progress");
        assertThat(progress.getDomProperty("max")).isEqualTo("10");
        assertThat(progress.getDomProperty("value")).isEqualTo("10");
        assertThat(byId("progress-label").getText()).isEqualTo("10 of 10 steps");
        // Previews come with every 5th step's progress event; the last one shown stays behind the image.
        assertThat(byId("preview").getDomAttribute("src")).startsWith("data:image/png;base64,");

        WebElement image = waitFor(Duration.ofSeconds(30), "the image", By.cssSelector("#images img.result-image"));
        waitUntil(Duration.ofSeconds(30), "the image loaded", () -> ((Number) js(
                "return arguments[0].complete ? arguments[0].naturalWidth : 0", image)).intValue() == 64);
        String imageUrl = image.getDomAttribute("src");
        assertThat(imageUrl).startsWith(platform.s3().endpoint().toString()).contains("X-Amz-Signature");
        byte[] png = HTTP.send(HttpRequest.newBuilder(URI.create(imageUrl)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        BufferedImage shown = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(shown.getWidth()).isEqualTo(64);
        assertThat(setting("seed")).isEqualTo(seed);
        assertThat(setting("steps")).isEqualTo("10");
        assertThat(setting("size")).isEqualTo("64x64");

        // The key stays in session storage: not in the address, not in the curl command.
        assertThat(js("return sessionStorage.getItem('lumen.apiKey')")).isEqualTo(key);
        assertThat(browser.getCurrentUrl()).doesNotContain(key);
        String curl = byId("curl").getDomProperty("value");
        assertThat(curl).doesNotContain(key).contains("Bearer $LUMEN_API_KEY").contains("\"seed\":" + seed);

        // The gallery lists the job with its status and thumbnail.
        WebElement item = waitFor(Duration.ofSeconds(30), "the job in the gallery",
                By.cssSelector("#gallery-list li[data-job-id='" + jobId + "']"));
        waitUntil(Duration.ofSeconds(30), "the gallery shows the job succeeded with its thumbnail", () ->
                "succeeded".equals(item.findElement(By.cssSelector(".badge")).getText()) && ((Number) js(
                        "const img = arguments[0].querySelector('img'); return img && img.complete ? img.naturalWidth : 0",
                        item)).intValue() == 64);
        screenshot("playground.png");

        // The copied command, run by a shell, asks for the same job again: the same image comes back.
        Process process = new ProcessBuilder("bash", "-c", curl).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String answer = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(answer).isZero();
        JsonNode again = Messages.json().readTree(answer);
        String againId = again.path("id").asString();
        assertThat(againId).as(answer).isNotEqualTo(jobId);
        assertThat(awaitStatus(againId, JOB_DEADLINE).path("status").asString()).isEqualTo("succeeded");
        JsonNode first = job(jobId);
        JsonNode second = job(againId);
        for (String field : List.of("prompt", "size", "seed", "steps", "sampler", "guidance_scale", "model")) {
            assertThat(second.get(field)).as(field).isEqualTo(first.get(field));
        }
        // The same image (the PNGs differ in their jobId text chunk). Allowed: a small difference, since
        // one run in several on this loaded 2-core machine drew a few pixels differently for the same
        // seed and settings (an engine nondeterminism, reported; not the playground's). Another seed
        // or prompt changes the picture, far past this bound.
        byte[] againPng = imageBytes(againId);
        int[] a = pixels(shown);
        int[] b = pixels(ImageIO.read(new ByteArrayInputStream(againPng)));
        long sum = 0;
        int differing = 0;
        int maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            differing += a[i] != b[i] ? 1 : 0;
            for (int shift = 0; shift < 24; shift += 8) {
                int d = Math.abs(((a[i] >> shift) & 0xff) - ((b[i] >> shift) & 0xff));
                sum += d;
                maxDiff = Math.max(maxDiff, d);
            }
        }
        double meanDiff = sum / (3.0 * a.length);
        if (differing > 0) {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve("rerun-first.png"), png);
            Files.write(SCREENSHOTS.resolve("rerun-again.png"), againPng);
            LOG.warn("the rerun drew {} of {} pixels differently (mean channel difference {}, max {}); both PNGs in {}",
                    differing, a.length, meanDiff, maxDiff, SCREENSHOTS.toAbsolutePath());
        }
        assertThat(meanDiff).as("mean channel difference of the rerun (%d pixels differ, max %d)", differing, maxDiff)
                .isLessThanOrEqualTo(2.0);
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void twoBoxesDrawnWithTheMouseAreTheLayoutRecordedOnTheJob() throws Exception {
        type("prompt", "a red circle and a blue square");
        type("steps", "2");
        WebElement canvas = byId("layout-canvas");
        drawBox(canvas, 0.10, 0.20, 0.45, 0.70);
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("region-caption-1");
        browser.switchTo().activeElement().sendKeys("a red circle");
        drawBox(canvas, 0.55, 0.30, 0.85, 0.75);
        byId("region-caption-2").sendKeys("a blue square");

        // The keyboard: Tab goes from box to box; arrows move the focused box, Shift+arrows resize it.
        List<WebElement> boxes = browser.findElements(By.cssSelector("#layout-canvas .box"));
        assertThat(boxes).hasSize(2);
        boxes.get(0).click();
        new Actions(browser).sendKeys(Keys.TAB).perform();
        WebElement second = browser.switchTo().activeElement();
        assertThat(second.getDomAttribute("data-index")).isEqualTo("1");
        new Actions(browser).sendKeys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
                .keyDown(Keys.SHIFT).sendKeys(Keys.ARROW_DOWN).keyUp(Keys.SHIFT).perform();
        // A third box, added and deleted from the keyboard, leaves no trace.
        byId("add-box").click();
        browser.findElements(By.cssSelector("#layout-canvas .box")).get(2).sendKeys(Keys.DELETE);
        assertThat(browser.findElements(By.cssSelector("#layout-canvas .box"))).hasSize(2);

        byId("submit").click();
        String jobId = awaitResult("succeeded");
        JsonNode regions = job(jobId).path("layout").path("regions");
        assertThat(regions.size()).isEqualTo(2);
        assertThat(regions.get(0).path("caption").asString()).isEqualTo("a red circle");
        assertThat(regions.get(1).path("caption").asString()).isEqualTo("a blue square");
        // Within the canvas's pixel rounding (1 px of 480 is 0.002): drawn, then moved by 0.02 and 0.01 taller.
        assertBox(regions.get(0).path("box"), 0.10, 0.20, 0.45, 0.70);
        assertBox(regions.get(1).path("box"), 0.57, 0.30, 0.87, 0.76);
        // The layout JSON shown for copying is the one sent.
        JsonNode shown = Messages.json().readTree(byId("layout-json").getDomProperty("value")).path("regions");
        assertThat(shown.size()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(shown.get(i).path("caption")).isEqualTo(regions.get(i).path("caption"));
            JsonNode box = regions.get(i).path("box");
            assertBox(shown.get(i).path("box"), box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
                    box.get(3).asDouble());
        }
    }

    @Test
    void planFromPromptAndPastedJsonFillTheEditor() throws Exception {
        type("prompt", "a red ball to the left of a blue cube");
        byId("plan").click();
        waitUntil(Duration.ofSeconds(30), "two planned boxes",
                () -> browser.findElements(By.cssSelector("#layout-canvas .box")).size() == 2);
        assertThat(byId("region-caption-1").getDomProperty("value")).isEqualTo("a red ball");
        assertThat(byId("region-caption-2").getDomProperty("value")).isEqualTo("a blue cube");
        // The same boxes as the API plans for this prompt and size.
        HttpResponse<String> planned = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/layouts"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\": \"a red ball to the left of a blue cube\", \"width\": 64, \"height\": 64}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode plannedRegions = Messages.json().readTree(planned.body()).path("layout").path("regions");
        byCss("#layout-json-details summary").click();
        JsonNode shown = Messages.json().readTree(byId("layout-json").getDomProperty("value")).path("regions");
        for (int i = 0; i < 2; i++) {
            JsonNode box = plannedRegions.get(i).path("box");
            assertBox(shown.get(i).path("box"), box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
                    box.get(3).asDouble());
        }

        // Pasted JSON replaces the boxes; JSON that is not a layout is refused next to the text.
        type("layout-json", "{\"regions\": [{\"box\": [0.5, 0.5, 0.9, 0.9], \"caption\": \"a green square\"}]}");
        byId("apply-layout").click();
        assertThat(browser.findElements(By.cssSelector("#layout-canvas .box"))).hasSize(1);
        assertThat(byId("region-caption-1").getDomProperty("value")).isEqualTo("a green square");
        type("layout-json", "{\"regions\": [{\"box\": [0.5, 0.5]}]}");
        byId("apply-layout").click();
        assertThat(waitFor(Duration.ofSeconds(5), "the JSON error", By.cssSelector("#layout-json-error:not([hidden])"))
                .getText()).isEqualTo("Not a layout: regions[0].box must be four numbers [x0, y0, x1, y1]");
        assertThat(browser.findElements(By.cssSelector("#layout-canvas .box"))).hasSize(1);
    }

    @Test
    void aTokenDensityPresetRunsAndTheResultShowsThePlanAndItsFlopFraction() throws Exception {
        // The options are the model's presets from GET /v1/models, experimental ones labelled so.
        org.openqa.selenium.support.ui.Select select = new org.openqa.selenium.support.ui.Select(byId("token-density"));
        JsonNode presets = models().path("data").get(0).path("token_density_presets");
        java.util.List<String> expected = new java.util.ArrayList<>(List.of("none (all tokens)"));
        presets.forEach(p -> expected.add(p.path("name").asString()
                + (p.path("experimental").asBoolean() ? " (experimental)" : "")));
        assertThat(select.getOptions().stream().map(WebElement::getText).toList()).isEqualTo(expected)
                .contains("full", "balanced (experimental)");

        type("prompt", "a blue square in the center");
        type("steps", "6");
        select.selectByValue("balanced");
        byId("submit").click();

        String jobId = awaitResult("succeeded");
        JsonNode density = job(jobId).path("token_density");
        assertThat(density.path("requested").asString()).isEqualTo("balanced");
        assertThat(density.path("experimental").asBoolean()).isTrue();
        double fraction = density.path("fraction").asDouble();
        assertThat(fraction).isGreaterThan(0).isLessThan(1);
        assertThat(setting("token-density")).isEqualTo(String.format(java.util.Locale.ROOT,
                "balanced: %s, %.3f of dense transformer FLOPs (experimental)", density.path("plan").asString(), fraction));
        // The copied command asks for the same density.
        assertThat(byId("curl").getDomProperty("value")).contains("\"token_density\":\"balanced\"");
    }

    @Test
    void choosingAnotherModelAppliesItsDefaultsAndRunsOnIt() throws Exception {
        assertThat(byId("model").getDomProperty("value")).isEqualTo(BundledModels.DEMO_NAME);
        assertThat(byId("steps").getDomProperty("value")).isEqualTo("20");
        new org.openqa.selenium.support.ui.Select(byId("model")).selectByValue(BundledModels.DEMO_LCM_NAME);
        // The distilled model's defaults from GET /v1/models: 4 LCM steps, no guidance.
        assertThat(byId("steps").getDomProperty("value")).isEqualTo("4");
        assertThat(byId("sampler").getDomProperty("value")).isEqualTo("lcm");
        assertThat(Double.parseDouble(byId("guidance").getDomProperty("value"))).isZero();

        type("prompt", "a large red circle in the top left");
        byId("submit").click();
        String jobId = awaitResult("succeeded");
        JsonNode job = job(jobId);
        assertThat(job.path("model").asString()).isEqualTo(BundledModels.DEMO_LCM_NAME);
        assertThat(job.path("steps").asInt()).isEqualTo(4);
        assertThat(job.path("sampler").asString()).isEqualTo("lcm");
        assertThat(byId("progress-label").getText()).isEqualTo("4 of 4 steps");

        new org.openqa.selenium.support.ui.Select(byId("model")).selectByValue(BundledModels.DEMO_NAME);
        assertThat(byId("steps").getDomProperty("value")).isEqualTo("20");
        assertThat(byId("sampler").getDomProperty("value")).isEqualTo("dpm-solver");
    }

    @Test
    void aRunningJobIsCancelledFromThePage() throws Exception {
        type("prompt", "a slow fox");
        // Large enough for the model to take a while per step, so the cancel lands mid-run.
        type("width", "256");
        type("height", "256");
        type("steps", "50");
        byId("submit").click();
        waitUntil(JOB_DEADLINE, "a progress event", () -> Integer.parseInt(byId("progress").getDomProperty("value")) >= 1);
        byId("cancel").click();

        String jobId = awaitResult("cancelled");
        assertThat(byId("job-status").getText()).startsWith("Cancelled.");
        assertThat(Integer.parseInt(byId("progress").getDomProperty("value"))).isLessThan(50);
        assertThat(byId("cancel").isEnabled()).isFalse();
        assertThat(job(jobId).path("status").asString()).isEqualTo("cancelled");
        assertThat(browser.findElements(By.cssSelector("#images img"))).isEmpty();
    }

    @Test
    void aBadRequestShowsTheProblemNextToTheFieldAtFault() throws Exception {
        type("prompt", "a green triangle");
        type("steps", "500");
        byId("submit").click();
        WebElement stepsError = waitFor(Duration.ofSeconds(30), "the steps error", By.cssSelector("#steps-error:not([hidden])"));
        assertThat(stepsError.getText()).isEqualTo("Invalid request: \"steps\" must be within 1..50, not 500");
        assertThat(byId("steps").getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("steps");
        assertThat(byId("form-error").isDisplayed()).isFalse();
        assertThat(byId("result").getDomAttribute("data-job-id")).isNull();

        // A layout box without a caption: the problem shows at that box's caption.
        type("steps", "2");
        byId("add-box").click();
        byId("submit").click();
        WebElement regionError = waitFor(Duration.ofSeconds(30), "the box's error",
                By.cssSelector("#region-1-error:not([hidden])"));
        assertThat(regionError.getText()).startsWith("Invalid request: \"layout.regions[0].caption\"");
        assertThat(byId("steps-error").isDisplayed()).as("the earlier error is cleared").isFalse();
        assertThat(byId("region-caption-1").getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(byId("result").getDomAttribute("data-job-id")).isNull();
    }

    @Test
    void onANarrowScreenThePanelsStackWithoutSidewaysScrolling() throws Exception {
        browser.manage().window().setSize(new Dimension(390, 1600));
        waitUntil(Duration.ofSeconds(10), "the narrow layout", () -> byId("result").getRect().getY()
                > byId("generate").getRect().getY() + byId("generate").getRect().getHeight() - 1);
        assertThat(byId("result").getRect().getX()).isEqualTo(byId("generate").getRect().getX());
        long overflow = ((Number) js("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                .longValue();
        assertThat(overflow).as("sideways overflow in px").isLessThanOrEqualTo(0);
        Rectangle canvas = byId("layout-canvas").getRect();
        assertThat(canvas.getWidth()).isLessThanOrEqualTo(390);
        screenshot("playground-narrow.png");
    }

    // ---------------------------------------------------------------- helpers

    private static WebElement byId(String id) {
        return browser.findElement(By.id(id));
    }

    private static WebElement byCss(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static void type(String id, String text) {
        WebElement input = byId(id);
        input.clear();
        input.sendKeys(text);
    }

    private static String setting(String name) {
        return byCss("#job-settings dd[data-setting='" + name + "']").getText();
    }

    /** Drags out a box on the canvas with the mouse, corners given as fractions of the canvas. */
    private static void drawBox(WebElement canvas, double x0, double y0, double x1, double y1) {
        // Offsets are from the element's centre (WebDriver actions); the canvas's inside is its border box less 1 px a side.
        Rectangle r = canvas.getRect();
        double w = r.getWidth() - 2;
        double h = r.getHeight() - 2;
        int sx = (int) Math.round(x0 * w - w / 2);
        int sy = (int) Math.round(y0 * h - h / 2);
        int dx = (int) Math.round((x1 - x0) * w);
        int dy = (int) Math.round((y1 - y0) * h);
        new Actions(browser).moveToElement(canvas, sx, sy).clickAndHold()
                .moveByOffset(dx / 2, dy / 2).moveByOffset(dx - dx / 2, dy - dy / 2).release().perform();
    }

    private static void assertBox(JsonNode box, double x0, double y0, double x1, double y1) {
        double[] expected = {x0, y0, x1, y1};
        assertThat(box.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(box.get(i).asDouble()).as("box %s [%d]", box, i).isCloseTo(expected[i], within(0.01));
        }
    }

    /** Waits until the result panel shows the job in {@code status}; returns the job's id. */
    private static String awaitResult(String status) {
        WebElement result = byId("result");
        String[] last = {null};
        try {
            waitUntil(JOB_DEADLINE, "the job " + status, () -> {
                last[0] = result.getDomAttribute("data-status");
                return status.equals(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the page shows " + last[0] + ": " + byId("job-status").getText()
                    + " " + byId("job-error").getText() + " " + byId("form-error").getText(), e);
        }
        return result.getDomAttribute("data-job-id");
    }

    private static WebElement waitFor(Duration timeout, String what, By by) {
        waitUntil(timeout, what, () -> !browser.findElements(by).isEmpty() && browser.findElement(by).isDisplayed());
        return browser.findElement(by);
    }

    private static void waitUntil(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        try {
            new WebDriverWait(browser, timeout, Duration.ofMillis(100)).withMessage(what)
                    .until(driver -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what, e);
        }
    }

    private static void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name).toAbsolutePath();
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        LOG.info("screenshot of the playground: {}", file);
    }

    private static JsonNode models() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/models"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Messages.json().readTree(response.body());
    }

    private static JsonNode job(String id) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/" + id))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Messages.json().readTree(response.body());
    }

    private static JsonNode awaitStatus(String id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job = job(id);
        while (!List.of("succeeded", "failed", "cancelled", "expired").contains(job.path("status").asString())
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
            job = job(id);
        }
        return job;
    }

    private static byte[] imageBytes(String id) throws Exception {
        HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(platform.baseUrl() + "/v1/jobs/" + id
                + "/images/0")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).isEqualTo(302);
        return HTTP.send(HttpRequest.newBuilder(URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
    }
}
