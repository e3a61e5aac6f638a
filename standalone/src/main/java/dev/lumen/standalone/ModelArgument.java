package dev.lumen.standalone;

import dev.lumen.worker.models.FetchListener;
import dev.lumen.worker.models.ModelFetcher;
import dev.lumen.worker.models.ModelSource;
import dev.lumen.worker.models.ModelSourceSettings;
import java.nio.file.Path;

/**
 * The {@code --model} argument of the commands: a folder, {@code s3://bucket/prefix} or
 * {@code hf:owner/repo[@revision]}, fetched into the model cache when it is not local (with a
 * progress bar on stderr). Settings come from the environment ({@link ModelSourceSettings#fromEnv}).
 */
final class ModelArgument {
    private ModelArgument() {
    }

    /** The local folder of {@code spec}. */
    static Path resolve(String spec) {
        return resolve(ModelSource.parse(spec), ModelSourceSettings.fromEnv(System.getenv()));
    }

    static Path resolve(ModelSource source, ModelSourceSettings settings) {
        if (source instanceof ModelSource.Local local) {
            return local.folder();
        }
        return new ModelFetcher(settings).fetch(source, new BarListener(source.toString()));
    }

    /** Draws a byte progress bar while files are transferred; silent when everything is cached. */
    static final class BarListener implements FetchListener {
        private final String label;
        private ProgressBar bar;
        private long done;
        private int files;

        BarListener(String label) {
            this.label = label;
        }

        @Override
        public void start(int count, long bytes) {
            files = count;
            if (count > 0) {
                System.err.printf("fetching %d file(s) of %s%n", count, label);
                bar = ProgressBar.ofBytes("pull", bytes);
            }
        }

        @Override
        public void transferred(long bytes) {
            done += bytes;
            if (bar != null) {
                bar.update(done);
            }
        }

        @Override
        public void finish() {
            if (bar != null) {
                bar.update(done);
                bar.done();
            }
        }

        int files() {
            return files;
        }
    }
}
