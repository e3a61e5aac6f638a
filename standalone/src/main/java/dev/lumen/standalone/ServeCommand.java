package dev.lumen.standalone;

import dev.lumen.standalone.StandalonePlatform.ServedModel;
import dev.lumen.worker.Backend;
import dev.lumen.worker.models.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./lumen serve}: the whole platform in this process, gateway on localhost. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the whole platform on this machine: Kafka broker, S3 store, scheduler, a worker per model and the gateway.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Model folder in diffusers layout, s3://bucket/prefix or hf:owner/repo[@revision] "
            + "(fetched into the model cache; see pull) (default: the bundled demo models, models/shapes-demo-lcm (the default, 4 LCM steps) and models/shapes-demo (DPM-Solver)).")
    String model;

    @Option(names = "--model-name", description = "The model's name in the API (default: the folder's, prefix's or repository's name; without --model it renames the default demo model).")
    String modelName;

    @Option(names = "--sampler", description = "dpm-solver or lcm (default: the model's scheduler).")
    String sampler;

    @Option(names = "--size", description = "Default image size in pixels (default: 64 for the demo model, else 512).")
    Integer size;

    @Option(names = "--steps", description = "Default steps (default: 4 for an LCM model or with --sampler lcm, else 20).")
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

    /** Where the bundled models are looked for ($LUMEN_HOME/models); tests point it at the repository. */
    Path home = BundledModels.home();

    @Override
    public Integer call() throws Exception {
        StandalonePlatform.Options options = options();
        List<ServedModel> served = options.models();
        CountDownLatch stop = new CountDownLatch(1);
        try (StandalonePlatform platform = StandalonePlatform.start(options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                platform.close();
                stop.countDown();
            }, "lumen-shutdown"));
            String url = platform.baseUrl();
            System.out.println("Lumen is ready at " + url + " with " + describe(served) + ". Ctrl-C stops it.");
            System.out.println("Playground: " + playgroundUrl(url) + " (prompt, draw a layout, watch it denoise)");
            String draws = BundledModels.describe(served.getFirst().folder());
            if (!draws.isEmpty()) {
                System.out.println(draws);
            }
            System.out.println("Try:");
            System.out.println("  curl -s " + url + "/v1/images/generations -H 'Content-Type: application/json' "
                    + "-d '{\"model\": \"" + served.getFirst().name()
                    + "\", \"prompt\": \"a large red circle in the top left\", \"response_format\": \"url\"}'");
            System.out.println("Without API keys it only listens on 127.0.0.1. OpenAPI: " + url + "/v3/api-docs");
            stop.await();
        }
        return 0;
    }

    /** The models to serve with their defaults, the ports, the data folder and the backend. */
    StandalonePlatform.Options options() {
        List<ServedModel> served = new ArrayList<>();
        if (model == null) {
            for (String bundled : BundledModels.SERVED_BY_DEFAULT) {
                // --model-name renames the default model; the demo is trained at 64 px.
                String name = served.isEmpty() && modelName != null ? modelName : bundled;
                served.add(ServedModel.withDefaults(BundledModels.requireBundled(home, bundled), name, sampler,
                        size != null ? size : 64, steps));
            }
        } else {
            Path folder = ModelArgument.resolve(model);
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException("model folder " + folder.toAbsolutePath() + " does not exist");
            }
            // Real PixArt checkpoints default to 512 px.
            served.add(ServedModel.withDefaults(folder, modelName != null ? modelName : ModelSource.parse(model).defaultName(),
                    sampler, size != null ? size : 512, steps));
        }
        return new StandalonePlatform.Options(served, port, 0, 0, data.toAbsolutePath(),
                Backend.valueOf(backend.toUpperCase(Locale.ROOT)));
    }

    /** "models shapes-demo-lcm (the default: lcm, 4 steps) and shapes-demo (dpm-solver, 20 steps)". */
    static String describe(List<ServedModel> served) {
        List<String> parts = new ArrayList<>();
        for (ServedModel m : served) {
            parts.add(m.name() + " (" + (parts.isEmpty() && served.size() > 1 ? "the default: " : "") + m.sampler()
                    + ", " + m.defaultSteps() + " steps)");
        }
        return (served.size() == 1 ? "model " : "models ") + String.join(" and ", parts);
    }
}
