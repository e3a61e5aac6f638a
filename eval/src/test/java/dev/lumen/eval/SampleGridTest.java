package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleGridTest {
    @TempDir
    Path dir;

    private static BufferedImage filled(Color c) {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 16, 16);
        g.dispose();
        return image;
    }

    @Test
    void laysOutTilesInRowsWithFramedEnlargedImages() throws Exception {
        List<SampleGrid.Tile> tiles = List.of(
                new SampleGrid.Tile(filled(Color.BLUE), "a blue square in the top left", true),
                new SampleGrid.Tile(filled(Color.YELLOW), "a very long caption that will need to wrap over more than one line", false),
                new SampleGrid.Tile(filled(Color.BLACK), "three", true));
        Path file = dir.resolve("grid/sheet.png");
        SampleGrid.write(tiles, 2, 64, file);
        BufferedImage sheet = ImageIO.read(file.toFile());
        int cellW = sheet.getWidth() / 2;
        assertThat(sheet.getWidth()).isEqualTo(2 * (64 + 6 + 8));
        // Two rows; inside each frame the image is enlarged to 64 px.
        assertThat(sheet.getRGB(4 + 3 + 32, 4 + 3 + 32) & 0xffffff).isEqualTo(0x0000ff);
        assertThat(sheet.getRGB(cellW + 4 + 3 + 63, 4 + 3) & 0xffffff).isEqualTo(0xffff00);
        assertThat(sheet.getRGB(4 + 3 + 10, sheet.getHeight() / 2 + 4 + 3 + 10) & 0xffffff).isZero();
        // Green frame when right, red when wrong.
        assertThat(new Color(sheet.getRGB(5, 5)).getGreen()).isGreaterThan(120);
        assertThat(new Color(sheet.getRGB(cellW + 5, 5)).getRed()).isGreaterThan(150);
        assertThat(new Color(sheet.getRGB(cellW + 5, 5)).getGreen()).isLessThan(60);
    }
}
