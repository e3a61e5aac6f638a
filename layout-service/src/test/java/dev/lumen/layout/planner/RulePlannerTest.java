package dev.lumen.layout.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.contracts.layout.LayoutValidator;
import dev.lumen.contracts.layout.Region;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 2 and the whole rule planner: valid, faithful and deterministic layouts. */
class RulePlannerTest {
    static final RulePlanner PLANNER = RulePlanner.create();

    static Layout plan(String prompt) {
        return PLANNER.plan(new PlanRequest(prompt, 512, 512)).layout();
    }

    static Box box(Layout layout, String caption) {
        return layout.regions().stream().filter(r -> r.caption().equals(caption)).map(Region::box).findFirst().orElseThrow();
    }

    @Test
    void theIssuesExamplesComeOutAsAskedWithSingularCaptionsAndABackground() {
        Layout ball = plan("a red ball to the left of a blue cube");
        assertThat(ball.caption()).isEqualTo("a red ball to the left of a blue cube");
        assertThat(ball.background()).isEqualTo("a plain background");
        assertThat(ball.regions()).extracting(Region::caption).containsExactly("a red ball", "a blue cube");
        assertThat(box(ball, "a red ball").x1()).isLessThan(box(ball, "a blue cube").x0());

        Layout stars = plan("three yellow stars in a row");
        assertThat(stars.regions()).extracting(Region::caption).containsOnly("a yellow star").hasSize(3);
        assertThat(stars.regions()).extracting(Region::id).containsExactly("e1-1", "e1-2", "e1-3");
        List<Box> row = stars.regions().stream().map(Region::box).toList();
        assertThat(row.get(0).cy()).isEqualTo(row.get(2).cy());
        assertThat(row.get(0).x1()).isLessThan(row.get(1).x0());
        assertThat(row.get(1).x1()).isLessThan(row.get(2).x0());

        Layout cone = plan("a green cone above a red cube");
        assertThat(box(cone, "a green cone").y1()).isLessThan(box(cone, "a red cube").y0());
    }

    @Test
    void placesLandInTheirCellOfTheThreeByThreeGrid() {
        Layout layout = plan("a small red circle in the top left, a blue square in the center and a green triangle at the bottom right");
        assertThat(box(layout, "a small red circle").cx()).isLessThan(0.33);
        assertThat(box(layout, "a small red circle").cy()).isLessThan(0.33);
        Box center = box(layout, "a blue square");
        assertThat(Math.abs(center.cx() - 0.5)).isLessThan(0.1);
        assertThat(Math.abs(center.cy() - 0.5)).isLessThan(0.1);
        assertThat(box(layout, "a green triangle").cx()).isGreaterThan(0.67);
        // Size words scale the area: small is half the default.
        Layout sized = plan("a small red circle and a large red square");
        assertThat(box(sized, "a small red circle").area()).isLessThan(box(sized, "a large red square").area() / 3);
    }

    @Test
    void supportStuffAndAspectPriors() {
        Layout table = plan("three red apples on a wooden table");
        Box t = box(table, "a wooden table");
        for (Region apple : table.regions().subList(0, 3)) {
            assertThat(apple.caption()).isEqualTo("a red apple");
            assertThat(apple.box().y1()).isBetween(t.y0(), t.y0() + 0.3 * t.height());
            assertThat(apple.box().x0()).isGreaterThanOrEqualTo(t.x0());
            assertThat(apple.box().x1()).isLessThanOrEqualTo(t.x1());
        }
        Layout sky = plan("a bird in the sky above the sea");
        // Stuff comes first (it lies under the things) and spans the width.
        assertThat(sky.regions()).extracting(Region::caption).containsExactly("a sky", "a sea", "a bird");
        assertThat(sky.regions().getFirst().box()).isEqualTo(new Box(0, 0, 1, 0.35));
        assertThat(new Box(0, 0, 1, 0.35).contains(box(sky, "a bird"))).isTrue();
        // A person is tall and a car wide, in pixels: on a wide canvas too.
        Layout street = PLANNER.plan(new PlanRequest("a person next to a car", 1024, 512)).layout();
        Box person = box(street, "a person");
        Box car = box(street, "a car");
        assertThat(person.height() * 512).isGreaterThan(person.width() * 1024 * 2);
        assertThat(car.width() * 1024).isGreaterThan(car.height() * 512 * 1.5);
    }

    @Test
    void theSameRequestGivesTheSameLayoutAndIr() {
        String prompt = "two dogs next to a cat under a tree, a red ball on the left and three birds in the sky";
        PlanResult a = PLANNER.plan(new PlanRequest(prompt, 768, 512));
        PlanResult b = RulePlanner.create().plan(new PlanRequest(prompt, 768, 512));
        assertThat(LayoutJson.toJson(b.layout())).isEqualTo(LayoutJson.toJson(a.layout()));
        assertThat(b.ir()).isEqualTo(a.ir());
        assertThat(b.scores()).isEqualTo(a.scores());
        assertThat(b.warnings()).isEqualTo(a.warnings());
    }

    @Test
    void everyPlanIsAValidLayoutWithinTheRegionLimit() {
        String[] prompts = {"twelve red balls", "a cat", "five dogs, six cats and a sky", "a tiny ant on a huge elephant",
                "a sky above the sea above the sand", "a long red car and a tall lamp", "a b c d e a cube"};
        for (String prompt : prompts) {
            for (int max : new int[] {1, 3, 10, 16}) {
                PlanResult r = PLANNER.plan(new PlanRequest(prompt, 640, 384, max));
                assertThat(LayoutValidator.check(r.layout(), LayoutLimits.HARD.withMaxRegions(max), "layout"))
                        .as(prompt + " max " + max).isEmpty();
                assertThat(r.layout().regions()).hasSizeLessThanOrEqualTo(max);
                assertThat(r.scores().valid()).isTrue();
            }
        }
    }

    @Test
    void countsAreCappedAtTheLimitWithAWarning() {
        PlanResult r = PLANNER.plan(new PlanRequest("twelve red balls and a sky", 512, 512, 10));
        assertThat(r.layout().regions()).hasSize(10).extracting(Region::caption).containsOnly("a red ball");
        assertThat(r.warnings()).containsExactly("dropped \"a sky\": more than 10 regions",
                "\"a red ball\" × 12 capped to × 10: at most 10 regions");
        assertThat(r.scores().countFidelity()).isEqualTo(1.0); // fidelity to the capped IR the layout answers
    }

    @Test
    void contradictionsAreDroppedWithAWarningAndUnknownNounsFlagged() {
        PlanResult r = PLANNER.plan(new PlanRequest("a cat left of a dog, the dog left of the cat", 512, 512));
        assertThat(r.warnings()).containsExactly("dropped relation e2 left_of e1: it contradicts an earlier one");
        assertThat(box(r.layout(), "a cat").cx()).isLessThan(box(r.layout(), "a dog").cx());
        PlanResult zorb = PLANNER.plan(new PlanRequest("a zorb above a cube", 512, 512));
        assertThat(zorb.warnings()).containsExactly("\"zorb\" is not in the lexicon; placed as an object of default size");
    }

    @Test
    void nothingToPlaceIsAnErrorNamingTheUnknownWords() {
        assertThatThrownBy(() -> PLANNER.plan(new PlanRequest("glorp, blorping wildly!", 512, 512)))
                .isInstanceOf(NothingToPlaceException.class)
                .hasMessageContaining("unknown words: [glorp, blorping, wildly]")
                .satisfies(e -> assertThat(((NothingToPlaceException) e).unknownWords())
                        .containsExactly("glorp", "blorping", "wildly"));
        assertThatThrownBy(() -> new PlanRequest(" ", 512, 512)).hasMessage("prompt must be a non-blank string");
        assertThatThrownBy(() -> new PlanRequest("a cat", 512, 512, 17)).hasMessage("max regions must be within 1..16, not 17");
    }
}
