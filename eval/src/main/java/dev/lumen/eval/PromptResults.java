package dev.lumen.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The outcome of a prompts benchmark run: each prompt's score and generation time, the per-group
 * summary, and the files a run leaves behind ({@code results.csv}, one row per image;
 * {@code results.json}, the settings, the summary and every image with its blobs).
 */
public final class PromptResults {
    /** One scored image; {@code seconds} is NaN when the image was not generated in this run. */
    public record Entry(EvalPrompt prompt, ImageScore score, double seconds) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<Entry> entries = new ArrayList<>();

    public void add(EvalPrompt prompt, ImageScore score, double seconds) {
        entries.add(new Entry(prompt, score, seconds));
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public GroupedMeans summary() {
        return GroupedMeans.of(ImageScore.METRICS,
                entries.stream().map(e -> new GroupedMeans.Sample(e.prompt().group(), e.score().values())).toList());
    }

    /** Mean seconds per generated image of a group ({@link GroupedMeans#ALL} for every image); NaN when none. */
    public double secondsPerImage(String group) {
        return entries.stream().filter(e -> group.equals(GroupedMeans.ALL) || e.prompt().group().equals(group))
                .mapToDouble(Entry::seconds).filter(s -> !Double.isNaN(s)).average().orElse(Double.NaN);
    }

    /** The summary table (group, n, each metric as "mean [lo, hi]") with seconds per image last. */
    public TextTable table() {
        return summary().table("s/img", group -> {
            double s = secondsPerImage(group);
            return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.2f", s);
        });
    }

    public void writeCsv(Path file) {
        StringBuilder csv = new StringBuilder("id,group,seed,caption");
        ImageScore.METRICS.forEach(m -> csv.append(',').append(m));
        csv.append(",seconds,blobs\n");
        for (Entry e : entries) {
            EvalPrompt p = e.prompt();
            csv.append(quote(p.id())).append(',').append(quote(p.group())).append(',').append(p.seed()).append(',')
                    .append(quote(p.caption()));
            for (double v : e.score().values()) {
                csv.append(',').append(Double.isNaN(v) ? "" : format(v));
            }
            csv.append(',').append(Double.isNaN(e.seconds()) ? "" : String.format(Locale.ROOT, "%.3f", e.seconds()));
            csv.append(',').append(quote(String.join("; ", e.score().blobs().stream().map(PromptResults::describe).toList())));
            csv.append('\n');
        }
        write(file, csv.toString());
    }

    /** Writes the settings (as given), the summary and every image's scores and blobs as JSON. */
    public void writeJson(Path file, Map<String, Object> settings) {
        ObjectNode root = JSON.createObjectNode();
        root.set("settings", JSON.valueToTree(new LinkedHashMap<>(settings)));
        ArrayNode summary = root.putArray("summary");
        for (GroupedMeans.Row r : summary().rows()) {
            ObjectNode row = summary.addObject();
            row.put("group", r.group());
            row.put("n", r.n());
            for (int m = 0; m < r.metrics().size(); m++) {
                MeanInterval mi = r.metrics().get(m);
                ObjectNode metric = row.putObject(ImageScore.METRICS.get(m));
                metric.put("n", mi.n());
                putNumber(metric, "mean", mi.mean());
                putNumber(metric, "lo", mi.lo());
                putNumber(metric, "hi", mi.hi());
            }
            putNumber(row, "seconds_per_image", secondsPerImage(r.group()));
        }
        ArrayNode images = root.putArray("images");
        for (Entry e : entries) {
            ObjectNode image = images.addObject();
            image.put("id", e.prompt().id());
            image.put("group", e.prompt().group());
            image.put("seed", e.prompt().seed());
            image.put("caption", e.prompt().caption());
            double[] values = e.score().values();
            for (int m = 0; m < values.length; m++) {
                putNumber(image, ImageScore.METRICS.get(m), values[m]);
            }
            putNumber(image, "seconds", e.seconds());
            ArrayNode matched = image.putArray("matched");
            e.score().matched().forEach(b -> matched.add(b == null ? null : JSON.valueToTree(blob(b))));
            ArrayNode blobs = image.putArray("blobs");
            e.score().blobs().forEach(b -> blobs.add(JSON.valueToTree(blob(b))));
        }
        write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static Map<String, Object> blob(Blob b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("colour", b.colour());
        m.put("shape", b.shape().jsonName());
        m.put("size", b.size());
        m.put("area", b.area());
        m.put("cx", round(b.cx()));
        m.put("cy", round(b.cy()));
        m.put("half_extent", round(b.halfExtent()));
        m.put("shape_iou", round(b.shapeIoU()));
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    // JSON has no NaN: "not asked" and "not measured" become null.
    private static void putNumber(ObjectNode node, String field, double v) {
        if (Double.isNaN(v)) {
            node.putNull(field);
        } else {
            node.put(field, v);
        }
    }

    private static String describe(Blob b) {
        return String.format(Locale.ROOT, "%s %s %s at (%.1f, %.1f)", b.size(), b.colour(), b.shape().jsonName(), b.cx(), b.cy());
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
