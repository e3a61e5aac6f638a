package dev.lumen.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextTableTest {
    @Test
    void padsColumnsToTheWidestCell() {
        String table = new TextTable(List.of("group", "n", "colour"))
                .row(List.of("one", "48", "0.95 [0.90, 0.99]"))
                .row(List.of("relation", "8", "-"))
                .render();
        assertThat(table).isEqualTo("""
                | group    |  n |            colour |
                |----------|---:|------------------:|
                | one      | 48 | 0.95 [0.90, 0.99] |
                | relation |  8 |                 - |
                """);
        assertThatThrownBy(() -> new TextTable(List.of("a", "b")).row(List.of("x"))).hasMessageContaining("1 cells");
    }

    @Test
    void groupedMeansAddAnOverallRow() {
        GroupedMeans means = GroupedMeans.of(List.of("ok", "size"), List.of(
                new GroupedMeans.Sample("one", new double[] {1, Double.NaN}),
                new GroupedMeans.Sample("two", new double[] {0, 1}),
                new GroupedMeans.Sample("one", new double[] {1, 0})));
        assertThat(means.rows()).extracting(GroupedMeans.Row::group).containsExactly("one", "two", "all");
        assertThat(means.row("one").n()).isEqualTo(2);
        assertThat(means.row("one").metrics().get(0).mean()).isEqualTo(1.0);
        assertThat(means.row("one").metrics().get(1).n()).isEqualTo(1);
        assertThat(means.row("all").metrics().get(0).mean()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(means.table().render()).contains("| two   | 1 | 0.00 [0.00, 0.00] | 1.00 [1.00, 1.00] |");
    }
}
