package dev.lumen.eval;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;

/**
 * Draws domain scenes with Java2D following the eval-set geometry exactly (antialiased), at any
 * scale of the domain, optionally blurred and with pixel noise: the ground truth the scorer's
 * tests check against.
 */
final class ShapeRenderer {
    /** One shape in domain pixels: centre, half-extent, shape and its exact colour. */
    record Drawn(Domain.Rgb colour, ShapeKind shape, double halfExtent, double cx, double cy) {
    }

    /** How to degrade the clean render: Gaussian blur sigma and noise standard deviation, in pixels of the output. */
    record Degrade(double blurSigma, double noiseStd) {
        static final Degrade NONE = new Degrade(0, 0);
    }

    private ShapeRenderer() {
    }

    static BufferedImage render(Domain domain, List<Drawn> shapes, double scale, Degrade degrade, Random random) {
        int w = (int) Math.round(domain.width() * scale);
        int h = (int) Math.round(domain.height() * scale);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        int span = domain.backgroundMax() - domain.backgroundMin() + 1;
        g.setColor(new Color(domain.backgroundMin() + random.nextInt(span), domain.backgroundMin() + random.nextInt(span),
                domain.backgroundMin() + random.nextInt(span)));
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.scale(scale, scale);
        for (Drawn d : shapes) {
            g.setColor(new Color(d.colour().r(), d.colour().g(), d.colour().b()));
            g.fill(outline(d));
        }
        g.dispose();
        if (degrade.blurSigma() > 0) {
            blur(image, degrade.blurSigma());
        }
        if (degrade.noiseStd() > 0) {
            noise(image, degrade.noiseStd(), random);
        }
        return image;
    }

    static java.awt.Shape outline(Drawn d) {
        double x = d.cx();
        double y = d.cy();
        double r = d.halfExtent();
        return switch (d.shape()) {
            case CIRCLE -> new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r);
            case SQUARE -> new Rectangle2D.Double(x - r, y - r, 2 * r, 2 * r);
            case TRIANGLE -> {
                Path2D.Double p = new Path2D.Double();
                p.moveTo(x, y - 4 * r / 3);
                p.lineTo(x + r, y + 2 * r / 3);
                p.lineTo(x - r, y + 2 * r / 3);
                p.closePath();
                yield p;
            }
        };
    }

    /** A palette colour with the domain's ±8 per-channel jitter. */
    static Domain.Rgb jittered(Domain.Rgb c, Random random) {
        return new Domain.Rgb(clamp(c.r() + random.nextInt(17) - 8), clamp(c.g() + random.nextInt(17) - 8),
                clamp(c.b() + random.nextInt(17) - 8));
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static void blur(BufferedImage image, double sigma) {
        int w = image.getWidth();
        int h = image.getHeight();
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        double[][] channels = new double[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    channels[c][y * w + x] = (rgb >> (16 - 8 * c)) & 0xff;
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            channels[c] = pass(pass(channels[c], w, h, kernel, radius, 1, 0), w, h, kernel, radius, 0, 1);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int at = y * w + x;
                image.setRGB(x, y, (clamp(channels[0][at]) << 16) | (clamp(channels[1][at]) << 8) | clamp(channels[2][at]));
            }
        }
    }

    // One separable pass along (dx, dy), replicating the edge pixels.
    private static double[] pass(double[] in, int w, int h, double[] kernel, int radius, int dx, int dy) {
        double[] out = new double[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int k = -radius; k <= radius; k++) {
                    int sx = Math.max(0, Math.min(w - 1, x + k * dx));
                    int sy = Math.max(0, Math.min(h - 1, y + k * dy));
                    v += kernel[k + radius] * in[sy * w + sx];
                }
                out[y * w + x] = v;
            }
        }
        return out;
    }

    private static void noise(BufferedImage image, double std, Random random) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = clamp(((rgb >> 16) & 0xff) + random.nextGaussian() * std);
                int g = clamp(((rgb >> 8) & 0xff) + random.nextGaussian() * std);
                int b = clamp((rgb & 0xff) + random.nextGaussian() * std);
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
    }
}
