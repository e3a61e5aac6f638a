package dev.lumen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Region;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where a job's layout meets the engine. Until the engine's regional attention is connected
 * (issue 8), a layout job must be refused as unrunnable rather than generated as a plain prompt.
 * LEAD: replace these assertions when {@link LoadedModel#regionalLayout} builds the engine's type.
 */
class LayoutMappingTest {
    static final Layout LAYOUT = new Layout("a red ball to the left of a blue cube",
            List.of(new Region(new Box(0.1, 0.3, 0.4, 0.7), "a red ball"), new Region(new Box(0.6, 0.3, 0.9, 0.7), "a blue cube")));

    static GenerationSpec spec(Layout layout) {
        return new GenerationSpec("m", "a red ball to the left of a blue cube", null, 1, 64, 64, 4, 1.0, "lcm", 1, 0, layout, null);
    }

    @Test
    void aLayoutJobIsRefusedWithAClearCodeAndAPlainJobIsNot() {
        assertThatThrownBy(() -> LoadedModel.request(spec(LAYOUT)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("layout prompts need engine regional attention")
                .satisfies(e -> assertThat(((InvalidSpecException) e).code()).isEqualTo("layout_not_supported"));
        assertThat(LoadedModel.request(spec(null)).prompts()).containsExactly("a red ball to the left of a blue cube");
        assertThat(LoadedModel.regionalLayout(null)).isNull();
    }
}
