package dev.lumen.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `helm lint --strict`: the chart passes with nothing worse than Helm's INFO notes, and lint really lints. */
class ChartLintTest {

    @Test
    void theChartPassesStrictLint() {
        LintResult result = new Helm(LumenChart.CHART).lint().strict().call();

        assertThat(result.isFailed()).as("lint failed: " + result.getMessages()).isFalse();
        assertThat(result.getMessages()).as("warnings count as failures with --strict")
                .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void strictLintFailsOnABrokenCopyOfTheChart(@TempDir Path copy) throws IOException {
        copyTree(LumenChart.CHART, copy);
        Path gateway = copy.resolve("templates/gateway.yaml");
        Files.writeString(gateway, Files.readString(gateway).replace("{{- $g := .Values.gateway }}",
                "{{- $g := .Values.gateway }}{{ if }}"));

        LintResult result = new Helm(copy).lint().strict().call();

        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("gateway.yaml");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
