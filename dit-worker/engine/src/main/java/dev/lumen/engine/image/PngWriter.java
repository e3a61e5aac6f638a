package dev.lumen.engine.image;

import dev.lumen.engine.pipeline.HostTensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Quantises a float image to 8-bit RGB as diffusers does ({@code round_half_even(x·255)} of values
 * already clamped to [0, 1]) and writes it as PNG, with optional tEXt chunks (prompt, seed, model…).
 */
public final class PngWriter {
    private PngWriter() {
    }

    /** {@code [H, W, 3]} floats in [0, 1] → packed RGB pixels. */
    public static BufferedImage toImage(HostTensor hwc) {
        int h = hwc.shape()[0];
        int w = hwc.shape()[1];
        float[] v = hwc.values();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int at = (y * w + x) * 3;
                image.setRGB(x, y, (quantize(v[at]) << 16) | (quantize(v[at + 1]) << 8) | quantize(v[at + 2]));
            }
        }
        return image;
    }

    public static int quantize(float value) {
        float clamped = Math.min(1f, Math.max(0f, value));
        return (int) Math.rint(clamped * 255f);
    }

    public static byte[] encode(HostTensor hwc, Map<String, String> text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(toImage(hwc), text, out);
        return out.toByteArray();
    }

    public static void write(HostTensor hwc, Map<String, String> text, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, encode(hwc, text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void write(BufferedImage image, Map<String, String> text, OutputStream out) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            IIOMetadata metadata = writer.getDefaultImageMetadata(
                    ImageTypeSpecifier.createFromRenderedImage(image), writer.getDefaultWriteParam());
            if (!text.isEmpty()) {
                IIOMetadataNode chunks = new IIOMetadataNode("tEXt");
                text.forEach((k, v) -> {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", k);
                    entry.setAttribute("value", v);
                    chunks.appendChild(entry);
                });
                IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                root.appendChild(chunks);
                metadata.mergeTree("javax_imageio_png_1.0", root);
            }
            writer.write(new IIOImage(image, null, metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG", e);
        } finally {
            writer.dispose();
        }
    }
}
