package dev.lumen.standalone;

import dev.lumen.worker.models.ModelFetcher;
import dev.lumen.worker.models.ModelSource;
import dev.lumen.worker.models.ModelSourceSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lumen pull MODEL}: fetches the files the pipeline needs from the Hugging Face Hub or an
 * S3 prefix into the model cache, verified, and prints the local folder (usable as {@code --model}).
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model's pipeline files into the local model cache and print its folder.",
                "MODEL is hf:owner/repo[@revision] (Hugging Face Hub; HF_ENDPOINT, HF_TOKEN) or s3://bucket/prefix "
                        + "(LUMEN_MODEL_S3_ENDPOINT/ACCESS_KEY/SECRET_KEY, else LUMEN_S3_*). Only model_index.json, the "
                        + "components' configs, tokenizer files and safetensors weights are fetched; interrupted transfers "
                        + "resume; every file is checked against the hash the Hub publishes."})
final class PullCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "hf:owner/repo[@revision] or s3://bucket/prefix.")
    String model;

    @Option(names = "--cache", description = "Model cache folder (default: $LUMEN_MODEL_CACHE, else ~/.cache/lumen/models).")
    Path cache;

    @Option(names = "--token", description = "Hugging Face access token for private or gated repositories (default: $HF_TOKEN).")
    String token;

    @Option(names = "--offline", description = "Use only the cache (also: HF_HUB_OFFLINE=1).")
    boolean offline;

    @Override
    public Integer call() {
        ModelSource source = ModelSource.parse(model);
        if (source instanceof ModelSource.Local) {
            throw new IllegalArgumentException("'" + model + "' is a local folder; pull takes hf:owner/repo[@revision] or "
                    + "s3://bucket/prefix");
        }
        ModelSourceSettings settings = ModelSourceSettings.fromEnv(System.getenv());
        if (cache != null) {
            settings = settings.withCacheDir(cache);
        }
        if (token != null) {
            settings = settings.withToken(token);
        }
        if (offline) {
            settings = settings.withOffline(true);
        }
        ModelArgument.BarListener bar = new ModelArgument.BarListener(source.toString());
        Path folder = new ModelFetcher(settings).fetch(source, bar);
        if (bar.files() == 0) {
            System.err.println(source + " is complete in the cache; nothing to fetch");
        }
        System.out.println(folder.toAbsolutePath());
        return 0;
    }
}
