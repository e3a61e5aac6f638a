package dev.lumen.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A contact sheet of samples for people to look at: each image enlarged (nearest neighbour, so
 * small images stay sharp) inside a frame that is green when the scorer judged it all right and
 * red otherwise, with its caption wrapped underneath.
 */
public final class SampleGrid {
    /** One sample: the image, the text under it, and the scorer's verdict. */
    public record Tile(BufferedImage image, String caption, boolean ok) {
    }

    private static final int FRAME = 3;
    private static final int PAD = 4;
    private static final int CAPTION_LINES = 3;
    private static final Color OK = new Color(40, 160, 60);
    private static final Color WRONG = new Color(200, 40, 40);

    private SampleGrid() {
    }

    /** Renders tiles in rows of {@code columns}, each image drawn {@code tileSize} pixels wide and high. */
    public static BufferedImage render(List<Tile> tiles, int columns, int tileSize) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("a grid needs at least one sample");
        }
        int cols = Math.min(columns, tiles.size());
        int rows = (tiles.size() + cols - 1) / cols;
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(9, tileSize / 12));
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics metrics = pg.getFontMetrics(font);
        pg.dispose();
        int cellW = tileSize + 2 * FRAME + 2 * PAD;
        int captionH = CAPTION_LINES * metrics.getHeight();
        int cellH = tileSize + 2 * FRAME + 2 * PAD + captionH;
        BufferedImage sheet = new BufferedImage(cols * cellW, rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.setFont(font);
            for (int i = 0; i < tiles.size(); i++) {
                Tile t = tiles.get(i);
                int x = (i % cols) * cellW + PAD;
                int y = (i / cols) * cellH + PAD;
                g.setColor(t.ok() ? OK : WRONG);
                g.fillRect(x, y, tileSize + 2 * FRAME, tileSize + 2 * FRAME);
                g.drawImage(t.image(), x + FRAME, y + FRAME, tileSize, tileSize, null);
                g.setColor(Color.BLACK);
                int lineY = y + tileSize + 2 * FRAME + metrics.getAscent();
                for (String line : wrap(t.caption(), metrics, cellW - PAD, CAPTION_LINES)) {
                    g.drawString(line, x, lineY);
                    lineY += metrics.getHeight();
                }
            }
        } finally {
            g.dispose();
        }
        return sheet;
    }

    /** Renders the grid and writes it as PNG, creating the parent folder. */
    public static void write(List<Tile> tiles, int columns, int tileSize, Path file) {
        BufferedImage sheet = render(tiles, columns, tileSize);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(sheet, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    // Greedy word wrap; the last line ends in "…" when the caption does not fit.
    static List<String> wrap(String text, FontMetrics metrics, int width, int maxLines) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        String[] words = text.trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String candidate = line.isEmpty() ? words[i] : line + " " + words[i];
            if (metrics.stringWidth(candidate) <= width || line.isEmpty()) {
                line.setLength(0);
                line.append(candidate);
                continue;
            }
            lines.add(line.toString());
            line.setLength(0);
            line.append(words[i]);
            if (lines.size() == maxLines) {
                String last = lines.removeLast();
                lines.add(last + "…");
                return lines;
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }
}
