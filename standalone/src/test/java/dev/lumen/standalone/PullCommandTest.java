package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code pull} command's surface; the download path itself is tested in dit-worker (ModelFetcherTest). */
class PullCommandTest {
    @TempDir
    Path cache;

    private record Run(int status, String err) {
    }

    private static Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(LumenCli.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void refusesLocalFoldersAndMalformedSourcesByName() {
        Run local = run("pull", "models/shapes-demo");
        assertThat(local.status()).isEqualTo(1);
        assertThat(local.err()).contains("'models/shapes-demo' is a local folder");
        Run bad = run("pull", "hf:owner/repo/extra");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("hf:owner/repo/extra").contains("hf:owner/repo@revision");
    }

    @Test
    void offlineWithAnEmptyCacheSaysWhatToDo() {
        Run offline = run("pull", "hf:lumen-test/never-pulled", "--offline", "--cache", cache.toString());
        assertThat(offline.status()).isEqualTo(1);
        assertThat(offline.err()).contains("hf:lumen-test/never-pulled is not in the model cache").contains("HF_HUB_OFFLINE");
    }

    @Test
    void isListedInTheHelp() {
        assertThat(LumenCli.execute("pull", "--help")).isZero();
    }
}
