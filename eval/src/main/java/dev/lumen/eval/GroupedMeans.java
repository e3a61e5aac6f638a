package dev.lumen.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-group and overall means with bootstrap intervals of named per-image metrics: the summary a
 * benchmark prints. Groups keep the order they first appear in; the overall row is called
 * {@value #ALL}.
 */
public final class GroupedMeans {
    public static final String ALL = "all";

    /** One image's metrics (NaN where a metric does not apply to it). */
    public record Sample(String group, double[] values) {
    }

    /** A group's size and its per-metric mean with interval. */
    public record Row(String group, int n, List<MeanInterval> metrics) {
    }

    private final List<String> metricNames;
    private final List<Row> rows;

    private GroupedMeans(List<String> metricNames, List<Row> rows) {
        this.metricNames = metricNames;
        this.rows = rows;
    }

    public static GroupedMeans of(List<String> metricNames, List<Sample> samples) {
        Map<String, List<double[]>> byGroup = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.values().length != metricNames.size()) {
                throw new IllegalArgumentException("sample of group " + s.group() + " has " + s.values().length
                        + " values for " + metricNames.size() + " metrics");
            }
            byGroup.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s.values());
        }
        List<Row> rows = new ArrayList<>();
        byGroup.forEach((group, values) -> rows.add(row(group, values, metricNames.size())));
        if (byGroup.size() != 1) {
            rows.add(row(ALL, samples.stream().map(Sample::values).toList(), metricNames.size()));
        }
        return new GroupedMeans(List.copyOf(metricNames), List.copyOf(rows));
    }

    private static Row row(String group, List<double[]> values, int metrics) {
        List<MeanInterval> means = new ArrayList<>();
        for (int m = 0; m < metrics; m++) {
            int metric = m;
            means.add(MeanInterval.of(values.stream().mapToDouble(v -> v[metric]).toArray()));
        }
        return new Row(group, values.size(), List.copyOf(means));
    }

    public List<String> metricNames() {
        return metricNames;
    }

    public List<Row> rows() {
        return rows;
    }

    public Row row(String group) {
        return rows.stream().filter(r -> r.group().equals(group)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no group " + group));
    }

    /** A table with columns group, n, then each metric as "mean [lo, hi]". */
    public TextTable table() {
        return table(null, null);
    }

    /** As {@link #table()}, with one more column whose cell for each group {@code extraCell} gives. */
    public TextTable table(String extraHeader, java.util.function.Function<String, String> extraCell) {
        List<String> headers = new ArrayList<>(List.of("group", "n"));
        headers.addAll(metricNames);
        if (extraHeader != null) {
            headers.add(extraHeader);
        }
        TextTable table = new TextTable(headers);
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.group(), Integer.toString(r.n())));
            r.metrics().forEach(m -> cells.add(m.format()));
            if (extraHeader != null) {
                cells.add(extraCell.apply(r.group()));
            }
            table.row(cells);
        }
        return table;
    }
}
