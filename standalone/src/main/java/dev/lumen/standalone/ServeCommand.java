package dev.lumen.standalone;

import dev.lumen.worker.Backend;
import dev.lumen.worker.models.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./lumen serve}: the whole platform in this process, gateway on localhost. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the whole platform on this machine: Kafka broker, S3 store, scheduler, one worker and the gateway.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Model folder in diffusers layout, s3://bucket/prefix or hf:owner/repo[@revision] "
            + "(fetched into the model cache; see pull) (default: the bundled demo model, models/shapes-demo).")
    String model;

    @Option(names = "--model-name", description = "The model's name in the API (default: the folder's, prefix's or repository's name).")
    String modelName;

    @Option(names = "--sampler", description = "dpm-solver or lcm (default: the model's scheduler).")
    String sampler;

    @Option(names = "--size", description = "Default image size in pixels (default: 64 for the demo model, else 512).")
    Integer size;

    @Option(names = "--steps", description = "Default steps (default: 4 with lcm, else 20).")
    Integer steps;

    @Option(names = "--port", defaultValue = "8080", description = "Gateway port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", defaultValue = "lumen-data", description = "Folder for the broker's and the store's data (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--backend", defaultValue = "auto", description = "cpu, vulkan or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    /** The web playground the gateway serves (PlaygroundBrowserTest drives the page at this URL). */
    static String playgroundUrl(String baseUrl) {
        return baseUrl + "/";
    }

    @Override
    public Integer call() throws Exception {
        boolean demo = model == null;
        ModelSource source = demo ? null : ModelSource.parse(model);
        Path folder = demo ? BundledModels.requireDemo() : ModelArgument.resolve(model);
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder.toAbsolutePath() + " does not exist");
        }
        String name = modelName != null ? modelName : demo ? BundledModels.DEMO_NAME : source.defaultName();
        boolean lcm = "lcm".equals(sampler);
        // The demo model is trained at 64 px; real PixArt checkpoints default to 512 px.
        int defaultSize = size != null ? size : demo ? 64 : 512;
        StandalonePlatform.Options options = new StandalonePlatform.Options(folder.toAbsolutePath(), name, sampler,
                defaultSize, steps != null ? steps : lcm ? 4 : 20, port, 0, 0, data.toAbsolutePath(),
                Backend.valueOf(backend.toUpperCase(java.util.Locale.ROOT)));
        CountDownLatch stop = new CountDownLatch(1);
        try (StandalonePlatform platform = StandalonePlatform.start(options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                platform.close();
                stop.countDown();
            }, "lumen-shutdown"));
            String url = platform.baseUrl();
            System.out.println("Lumen is ready at " + url + " (model " + name + "; Ctrl-C stops it).");
            System.out.println("Playground: " + playgroundUrl(url) + " (prompt, draw a layout, watch it denoise)");
            String draws = BundledModels.describe(folder);
            if (!draws.isEmpty()) {
                System.out.println(draws);
            }
            System.out.println("Try:");
            System.out.println("  curl -s " + url + "/v1/images/generations -H 'Content-Type: application/json' "
                    + "-d '{\"model\": \"" + name + "\", \"prompt\": \"a large red circle in the top left\", \"response_format\": \"url\"}'");
            System.out.println("Without API keys it only listens on 127.0.0.1. OpenAPI: " + url + "/v3/api-docs");
            stop.await();
        }
        return 0;
    }
}
