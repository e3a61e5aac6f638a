package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.images.Image;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import dev.lumen.worker.Backend;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK, configured only with the gateway's base URL and a made-up API key,
 * generates images through the standalone platform. The key is sent as {@code Authorization:
 * Bearer …} on every request; in no-auth mode the gateway must ignore it rather than refuse an
 * unknown key, or no OpenAI client could talk to a local Lumen unchanged.
 */
class OpenAiSdkTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    static Path data;

    private static StandalonePlatform platform;
    private static OpenAIClient openai;

    @BeforeAll
    static void start() throws Exception {
        Path model = Path.of(OpenAiSdkTest.class.getResource("/pixart-tiny/model").toURI());
        platform = StandalonePlatform.start(new StandalonePlatform.Options(model, "pixart-tiny", null, 64, 4, 0, 0, 0,
                data, Backend.CPU));
        openai = OpenAIOkHttpClient.builder()
                .baseUrl(platform.baseUrl() + "/v1")
                .apiKey("sk-not-a-lumen-key")
                .build();
    }

    @AfterAll
    static void stop() {
        if (openai != null) {
            openai.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void urlResponseIsAPresignedPngOfTheRequestedSize() throws Exception {
        // 64x64 is not in the SDK's size enum; Size.of sends any string the server accepts.
        ImagesResponse response = openai.images().generate(ImageGenerateParams.builder()
                .model("pixart-tiny")
                .prompt("a lighthouse at dusk")
                .size(ImageGenerateParams.Size.of("64x64"))
                .responseFormat(ImageGenerateParams.ResponseFormat.URL)
                .build());

        List<Image> images = response.data().orElseThrow();
        assertThat(images).hasSize(1);
        URI url = URI.create(images.getFirst().url().orElseThrow());
        HttpResponse<byte[]> png;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            png = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        assertThat(png.statusCode()).isEqualTo(200);
        assertPng(png.body(), 64, 64);
    }

    @Test
    void b64JsonResponseCarriesEveryImageInline() throws Exception {
        // A size from the SDK's own enum, the way most OpenAI client code names it.
        ImagesResponse response = openai.images().generate(ImageGenerateParams.builder()
                .model("pixart-tiny")
                .prompt("two paper boats")
                .n(2)
                .size(ImageGenerateParams.Size._256X256)
                .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON)
                .build());

        List<Image> images = response.data().orElseThrow();
        assertThat(images).hasSize(2);
        for (Image image : images) {
            assertPng(Base64.getDecoder().decode(image.b64Json().orElseThrow()), 256, 256);
        }
    }

    private static void assertPng(byte[] bytes, int width, int height) throws IOException {
        assertThat(Arrays.copyOf(bytes, PNG_SIGNATURE.length)).as("PNG signature").isEqualTo(PNG_SIGNATURE);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }
}
