package dev.lumen.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.GenerationSpec;
import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Control;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Overlap;
import dev.lumen.contracts.layout.Region;
import dev.lumen.engine.layout.RegionalLayout;
import dev.lumen.engine.pipeline.GenerationRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a job's layout meets the engine: the contract's layout becomes the engine's regional input. */
class LayoutMappingTest {
    static final Layout LAYOUT = new Layout("a red ball to the left of a blue cube",
            List.of(new Region(new Box(0.1, 0.3, 0.4, 0.7), "a red ball"), new Region(new Box(0.6, 0.3, 0.9, 0.7), "a blue cube")));

    static GenerationSpec spec(Layout layout, int n) {
        return new GenerationSpec("m", "a red ball to the left of a blue cube", null, n, 64, 64, 4, 1.0, "lcm", 1, 0, layout, null);
    }

    @Test
    void aLayoutJobBecomesARegionalRequestWithTheEngineDefaultsForUnsetKnobs() {
        GenerationRequest request = LoadedModel.request(spec(LAYOUT, 2));
        RegionalLayout regional = request.layout();
        assertThat(regional.caption()).isEqualTo(LAYOUT.caption());
        assertThat(regional.regionCaptions()).containsExactly(LAYOUT.caption(), "a red ball", "a blue cube");
        assertThat(regional.boxes().get(1)).isEqualTo(new RegionalLayout.Box(0.6, 0.3, 0.9, 0.7));
        assertThat(regional.control()).isEqualTo(RegionalLayout.Control.DEFAULTS);
        assertThat(request.prompts()).containsExactly(LAYOUT.caption(), LAYOUT.caption());
        assertThat(LoadedModel.request(spec(null, 1)).layout()).isNull();
        assertThat(LoadedModel.regionalLayout(null)).isNull();
    }

    @Test
    void knobsThatAreSetReachTheEngine() {
        RegionalLayout regional = LoadedModel.regionalLayout(LAYOUT.withControl(new Control(0.5, 700, false, null)));
        assertThat(regional.control()).isEqualTo(new RegionalLayout.Control(0.5, 700, false,
                RegionalLayout.Overlap.SMALLEST_WINS));
    }

    @Test
    void unionOverlapIsRefusedWithAClearCode() {
        assertThatThrownBy(() -> LoadedModel.regionalLayout(LAYOUT.withControl(new Control(null, null, null, Overlap.UNION))))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("union")
                .satisfies(e -> assertThat(((InvalidSpecException) e).code()).isEqualTo("layout_not_supported"));
    }
}
