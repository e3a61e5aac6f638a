package dev.lumen.standalone;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn in place: of steps, or of bytes (shown in MB). When
 * stderr is not a terminal (a log file, CI) it writes a line at each tenth instead, since there a
 * carriage return does not redraw and every update would pile up in one endless line.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final boolean terminal = System.console() != null && System.console().isTerminal();
    private long lastTenth = -1;
    private final String label;
    private final long total;
    private final boolean bytes;
    private final long start = System.nanoTime();
    private final PrintStream err = System.err;
    private long lastDrawn = Long.MIN_VALUE;

    ProgressBar(String label, int total) {
        this(label, total, false);
    }

    private ProgressBar(String label, long total, boolean bytes) {
        this.label = label;
        this.total = total;
        this.bytes = bytes;
        update(0);
    }

    /** A bar over {@code total} bytes. */
    static ProgressBar ofBytes(String label, long total) {
        return new ProgressBar(label, total, true);
    }

    void update(long done) {
        long now = System.nanoTime();
        // Byte counts arrive per buffer; redraw at most every 100 ms, and always at the end.
        if (bytes && done < total && now - lastDrawn < 100_000_000L) {
            return;
        }
        if (!terminal) {
            long tenth = total <= 0 ? 10 : done * 10 / total;
            if (tenth == lastTenth) {
                return;
            }
            lastTenth = tenth;
        }
        lastDrawn = now;
        int filled = total <= 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
        double seconds = (now - start) / 1e9;
        if (bytes) {
            err.printf(Locale.ROOT, "%s%s [%s%s] %.1f/%.1f MB  %.1f MB/s  %.1fs", lineStart(), label, "#".repeat(filled),
                    " ".repeat(WIDTH - filled), done / 1e6, total / 1e6, seconds > 0 ? done / 1e6 / seconds : 0, seconds);
        } else {
            err.printf(Locale.ROOT, "%s%s [%s%s] %d/%d  %.1fs", lineStart(), label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                    done, total, seconds);
        }
        err.flush();
    }

    /** Redraw over the line on a terminal; elsewhere each update is a line of its own. */
    private String lineStart() {
        return terminal ? "\r" : lastTenth > 0 ? System.lineSeparator() : "";
    }

    void done() {
        err.println();
    }
}
