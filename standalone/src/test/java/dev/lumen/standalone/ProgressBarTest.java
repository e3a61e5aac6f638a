package dev.lumen.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Where stderr is not a terminal (as under the test runner, a log file or CI) the bar writes a line
 * per tenth, never a carriage return that would pile every update into one line.
 */
class ProgressBarTest {
    @Test
    void withoutATerminalItWritesALinePerTenth() {
        assertThat(System.console() == null || !System.console().isTerminal()).as("stderr is not a terminal here").isTrue();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ProgressBar bar = new ProgressBar("denoising", 40);
            for (int step = 1; step <= 40; step++) {
                bar.update(step);
            }
            bar.done();
        } finally {
            System.setErr(err);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("\r");
        assertThat(out.lines().toList()).hasSize(11)
                .allMatch(line -> line.startsWith("denoising ["))
                .first().asString().contains("] 0/40");
        assertThat(out.lines().toList().getLast()).contains("] 40/40");
    }
}
