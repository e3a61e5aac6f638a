package dev.lumen.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.layout.InvalidLayoutException;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.contracts.layout.LayoutProblem;
import dev.lumen.contracts.layout.Region;
import dev.lumen.layout.planner.PlanResult;
import org.junit.jupiter.api.Test;

/** The library face the CLI uses: plan and validate in-process, with the service's results. */
class LayoutPlanningTest {
    static final LayoutPlanning PLANNING = LayoutPlanning.create();

    @Test
    void plansInProcessAndWritesTheServicesJson() {
        PlanResult r = PLANNING.plan("a green cone above a red cube", 64, 64);
        assertThat(r.layout().regions()).extracting(Region::caption).containsExactly("a green cone", "a red cube");
        String json = LayoutPlanning.toJson(r);
        assertThat(json).contains("\"layout\"", "\"planner\"", "\"ir\"", "\"scores\"", "\"warnings\"", "\"box\"");
        assertThatThrownBy(() -> LayoutPlanning.create(LayoutLimits.DEFAULT.withMaxRegions(2))
                .plan(new dev.lumen.layout.planner.PlanRequest("a cat", 64, 64, 3)))
                .hasMessage("max regions 3 is above the limit 2");
    }

    @Test
    void validatesALayoutFilesTextOrNamesWhatIsWrong() {
        LayoutPlanning.Validation v = PLANNING.validate("{\"regions\": [{\"box\": [0, 0.5, 1, 1], \"caption\": \"grass\"}],"
                + " \"control\": {\"until_t\": 700}}", "a meadow", 512, 512);
        assertThat(v.valid()).isTrue();
        assertThat(v.layout().caption()).isEqualTo("a meadow");
        assertThat(v.layout().control().untilT()).isEqualTo(700);
        assertThatThrownBy(() -> PLANNING.validate("{\"regions\": [", "p", 512, 512))
                .isInstanceOf(InvalidLayoutException.class)
                .satisfies(e -> assertThat(((InvalidLayoutException) e).first().field()).isEqualTo("layout"))
                .hasMessageStartingWith("layout is not valid JSON: ");
        assertThatThrownBy(() -> PLANNING.validate("{\"regions\": [{\"box\": [0, 0, 1, 1], \"caption\": \"a\"}]}", null, 512, 512))
                .isInstanceOf(InvalidLayoutException.class)
                .satisfies(e -> assertThat(((InvalidLayoutException) e).problems())
                        .containsExactly(new LayoutProblem("layout.caption", "is required and must be a non-blank string")));
    }
}
