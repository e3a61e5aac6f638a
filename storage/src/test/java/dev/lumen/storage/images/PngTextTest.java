package dev.lumen.storage.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.NodeList;

/** Text chunks written by hand, checked by reading them back ourselves and through javax.imageio's PNG reader. */
class PngTextTest {

    static byte[] png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, new Color(x * 255 / width, y * 255 / height, (x ^ y) & 0xff).getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    static Map<String, String> entries() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("prompt", "a cozy desk by a window, café lights");           // Latin-1: tEXt
        entries.put("negativePrompt", "blurry\nlow quality");                    // LF is allowed in tEXt
        entries.put("seed", "1234567890123");
        entries.put("model", "PixArt-alpha/PixArt-LCM-XL-2-1024-MS");
        entries.put("sampler", "lcm");
        entries.put("steps", "4");
        entries.put("Title", "窓辺の机 🌧");                                         // not Latin-1: iTXt
        return entries;
    }

    /** Keyword → text of the text chunks as javax.imageio's PNG reader sees them. */
    static Map<String, String> imageIoText(byte[] png) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            var reader = ImageIO.getImageReadersByFormatName("png").next();
            reader.setInput(in);
            IIOMetadata metadata = reader.getImageMetadata(0);
            IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree("javax_imageio_png_1.0");
            for (String chunk : new String[] {"tEXtEntry", "iTXtEntry"}) {
                NodeList nodes = root.getElementsByTagName(chunk);
                for (int i = 0; i < nodes.getLength(); i++) {
                    IIOMetadataNode node = (IIOMetadataNode) nodes.item(i);
                    text.put(node.getAttribute("keyword"), node.getAttribute(chunk.equals("tEXtEntry") ? "value" : "text"));
                }
            }
            reader.dispose();
        }
        return text;
    }

    @Test
    void roundTripsTextAndTheImageStillDecodes() throws IOException {
        byte[] original = png(37, 23);
        byte[] annotated = PngText.write(original, entries());

        assertThat(PngText.read(annotated)).containsExactlyEntriesOf(entries());
        assertThat(imageIoText(annotated)).containsExactlyInAnyOrderEntriesOf(entries());

        BufferedImage before = ImageIO.read(new ByteArrayInputStream(original));
        BufferedImage after = ImageIO.read(new ByteArrayInputStream(annotated));
        assertThat(after.getWidth()).isEqualTo(37);
        assertThat(after.getHeight()).isEqualTo(23);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                assertThat(after.getRGB(x, y)).isEqualTo(before.getRGB(x, y));
            }
        }
    }

    @Test
    void usesTextForLatin1AndInternationalTextOtherwiseBeforeIend() throws IOException {
        byte[] annotated = PngText.write(png(4, 4), Map.of("prompt", "café", "Title", "雨"));
        String raw = new String(annotated, StandardCharsets.ISO_8859_1);
        assertThat(raw).contains("tEXtprompt\0caf\u00e9");
        assertThat(raw).contains("iTXtTitle\0\0\0\0\0");
        assertThat(raw.indexOf("IDAT")).isLessThan(raw.indexOf("tEXt"));
        assertThat(raw.indexOf("tEXt")).isLessThan(raw.indexOf("IEND"));
        assertThat(raw.indexOf("iTXt")).isLessThan(raw.indexOf("IEND"));
        assertThat(raw).endsWith("IEND\u00aeB`\u0082"); // IEND's CRC is fixed: AE 42 60 82
    }

    @Test
    void writingAgainReplacesAKeywordInsteadOfRepeatingIt() throws IOException {
        byte[] once = PngText.write(png(8, 8), Map.of("seed", "1", "prompt", "first"));
        byte[] twice = PngText.write(once, Map.of("seed", "2"));
        assertThat(PngText.read(twice)).containsExactly(Map.entry("prompt", "first"), Map.entry("seed", "2"));
        assertThat(new String(twice, StandardCharsets.ISO_8859_1).split("tEXtseed", -1)).hasSize(2);
    }

    @Test
    void readsTextThatOtherWritersPut() throws IOException {
        // javax.imageio writes compressed iTXt and zTXt; the reader must understand them too.
        BufferedImage image = new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB);
        var writer = ImageIO.getImageWritersByFormatName("png").next();
        var type = javax.imageio.ImageTypeSpecifier.createFromRenderedImage(image);
        IIOMetadata metadata = writer.getDefaultImageMetadata(type, null);
        IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
        IIOMetadataNode itxt = new IIOMetadataNode("iTXt");
        IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
        entry.setAttribute("keyword", "Comment");
        entry.setAttribute("compressionFlag", "TRUE");
        entry.setAttribute("compressionMethod", "0");
        entry.setAttribute("languageTag", "ja");
        entry.setAttribute("translatedKeyword", "コメント");
        entry.setAttribute("text", "圧縮された説明 ".repeat(20));
        itxt.appendChild(entry);
        root.appendChild(itxt);
        IIOMetadataNode ztxt = new IIOMetadataNode("zTXt");
        IIOMetadataNode zEntry = new IIOMetadataNode("zTXtEntry");
        zEntry.setAttribute("keyword", "Description");
        zEntry.setAttribute("text", "squeezed ".repeat(30));
        zEntry.setAttribute("compressionMethod", "deflate");
        ztxt.appendChild(zEntry);
        root.appendChild(ztxt);
        metadata.mergeTree("javax_imageio_png_1.0", root);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(new javax.imageio.IIOImage(image, null, metadata));
        }
        writer.dispose();

        Map<String, String> text = PngText.read(out.toByteArray());
        assertThat(text).containsEntry("Comment", "圧縮された説明 ".repeat(20))
                .containsEntry("Description", "squeezed ".repeat(30));
    }

    @Test
    void refusesWhatIsNotAWellFormedPng() throws IOException {
        byte[] png = png(4, 4);
        assertThatThrownBy(() -> PngText.read("GIF89a....".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(InvalidPngException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> PngText.write(Arrays.copyOf(png, png.length - 6), Map.of("a", "b")))
                .isInstanceOf(InvalidPngException.class).hasMessageContaining("truncated");
        byte[] corrupt = png.clone();
        corrupt[20] ^= 0x01; // inside IHDR's data
        assertThatThrownBy(() -> PngText.read(corrupt))
                .isInstanceOf(InvalidPngException.class).hasMessageContaining("IHDR").hasMessageContaining("CRC");
        byte[] noEnd = Arrays.copyOf(png, png.length - 12);
        assertThatThrownBy(() -> PngText.write(noEnd, Map.of("a", "b")))
                .isInstanceOf(InvalidPngException.class).hasMessageContaining("IEND");
    }

    @Test
    void refusesKeywordsThePngFormatDoesNot() throws IOException {
        byte[] png = png(2, 2);
        for (String bad : new String[] {"", " lead", "trail ", "dou  ble", "k".repeat(80), "雨", "tab\there"}) {
            assertThatThrownBy(() -> PngText.write(png, Map.of(bad, "x")))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyword");
        }
    }
}
