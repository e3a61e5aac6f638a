package dev.lumen.standalone;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr, redrawn in place. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final PrintStream err = System.err;

    ProgressBar(String label, int total) {
        this.label = label;
        this.total = total;
        update(0);
    }

    void update(int done) {
        int filled = total == 0 ? WIDTH : done * WIDTH / total;
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "\r%s [%s%s] %d/%d  %.1fs", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                done, total, seconds);
        err.flush();
    }

    void done() {
        err.println();
    }
}
