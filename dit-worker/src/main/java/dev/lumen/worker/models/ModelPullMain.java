package dev.lumen.worker.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Fetches a worker's model and exits: for an init container that fills a shared model cache
 * before the worker starts ({@code java -cp lumen-dit-worker.jar dev.lumen.worker.models.ModelPullMain}).
 * Reads {@code LUMEN_MODEL_SOURCE} and the keys of {@link ModelSourceSettings#fromEnv}; when
 * {@code LUMEN_MODEL_DIR} is set, it becomes a symbolic link to the fetched folder (replaced
 * atomically, so a worker never sees a half-made link), which is what the worker container reads.
 * Exit status 0 on success, 1 with the reason on stderr otherwise.
 */
public final class ModelPullMain {
    private ModelPullMain() {
    }

    public static void main(String[] args) {
        try {
            System.out.println(pull(System.getenv()));
        } catch (RuntimeException | IOException e) {
            System.err.println("model pull failed: " + e.getMessage());
            System.exit(1);
        }
    }

    static Path pull(Map<String, String> env) throws IOException {
        String spec = env.get("LUMEN_MODEL_SOURCE");
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("LUMEN_MODEL_SOURCE must be set (a folder, s3://bucket/prefix or hf:owner/repo[@revision])");
        }
        ModelSource source = ModelSource.parse(spec);
        Path folder = new ModelFetcher(ModelSourceSettings.fromEnv(env)).fetch(source, FetchListener.NONE).toAbsolutePath();
        String dir = env.get("LUMEN_MODEL_DIR");
        if (dir != null && !dir.isBlank()) {
            Path link = Path.of(dir.strip()).toAbsolutePath();
            if (Files.isDirectory(link) && !Files.isSymbolicLink(link)) {
                throw new IllegalArgumentException("LUMEN_MODEL_DIR " + link + " is a real folder; it must not exist or be a"
                        + " link this command may replace");
            }
            Files.createDirectories(link.getParent());
            Path tmp = link.resolveSibling(link.getFileName() + ".link-tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, link.getParent().relativize(folder));
            Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return folder;
    }
}
