package dev.lumen.layout.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stage 1: how prompts are read into the IR. */
class TextParserTest {
    static final TextParser PARSER = new TextParser(Lexicon.load());

    static List<String> captions(LayoutIR ir) {
        return ir.entities().stream().map(e -> e.caption() + " ×" + e.count()).toList();
    }

    @Test
    void entitiesWithAttributesAndARelation() {
        LayoutIR ir = PARSER.parse("a red ball to the left of a blue cube");
        assertThat(captions(ir)).containsExactly("a red ball ×1", "a blue cube ×1");
        assertThat(ir.entities().getFirst().attrs()).isEqualTo(Map.of("color", "red"));
        assertThat(ir.entities().getFirst().head()).isEqualTo("ball");
        assertThat(ir.relations()).containsExactly(new LayoutIR.Relation("left_of", "e1", "e2"));
        assertThat(ir.places()).isEmpty();
    }

    @Test
    void countsBecomeOneSingularEntityWithACountAndArrangementsBind() {
        LayoutIR ir = PARSER.parse("three yellow stars in a row");
        assertThat(captions(ir)).containsExactly("a yellow star ×3");
        assertThat(ir.arrangements()).containsExactly(new LayoutIR.Arrangement("e1", "row"));
        assertThat(captions(PARSER.parse("a pair of shoes and 4 cups"))).containsExactly("a shoe ×2", "a cup ×4");
        assertThat(captions(PARSER.parse("apples"))).containsExactly("an apple ×3");
        assertThat(captions(PARSER.parse("a row of two green squares"))).containsExactly("a green square ×2");
        assertThat(PARSER.parse("a row of two green squares").arrangements())
                .containsExactly(new LayoutIR.Arrangement("e1", "row"));
    }

    @Test
    void placesBindToTheirOwnPhraseInEveryWordOrder() {
        assertThat(PARSER.parse("a small red circle in the top left and a large blue square in the lower right corner").places())
                .containsExactly(new LayoutIR.Place("e1", "top-left"), new LayoutIR.Place("e2", "bottom-right"));
        assertThat(PARSER.parse("red circle, top left").places()).containsExactly(new LayoutIR.Place("e1", "top-left"));
        assertThat(PARSER.parse("top left: a red circle, bottom right: a blue square").places())
                .containsExactly(new LayoutIR.Place("e1", "top-left"), new LayoutIR.Place("e2", "bottom-right"));
        assertThat(PARSER.parse("in the middle there is a cat").places()).containsExactly(new LayoutIR.Place("e1", "center"));
        // "on the left of" is a relation, "on the left" a place.
        LayoutIR relation = PARSER.parse("a cat on the left of a dog");
        assertThat(relation.relations()).containsExactly(new LayoutIR.Relation("left_of", "e1", "e2"));
        assertThat(relation.places()).isEmpty();
    }

    @Test
    void sizesColoursAndNounsUsedAsModifiers() {
        LayoutIR ir = PARSER.parse("an orange cat on a square table, an orange on a plate");
        assertThat(captions(ir)).containsExactly("an orange cat ×1", "a square table ×1", "an orange ×1", "a plate ×1");
        assertThat(ir.entities().get(1).attrs()).isEqualTo(Map.of("other", "square"));
        LayoutIR big = PARSER.parse("a big dog and a tiny mouse");
        assertThat(big.entities().get(0).sizeFactor()).isEqualTo(1.8);
        assertThat(big.entities().get(1).sizeFactor()).isEqualTo(0.3);
        assertThat(big.entities().get(0).attrs()).containsEntry("size", "big");
    }

    @Test
    void scenesBecomeTheBackgroundAndStuffIsKept() {
        LayoutIR ir = PARSER.parse("a studio photo of a red ball on a plain white background");
        assertThat(captions(ir)).containsExactly("a red ball ×1");
        assertThat(ir.background()).isEqualTo("a plain white background");
        assertThat(ir.relations()).isEmpty();
        LayoutIR sky = PARSER.parse("two birds in the sky above a green field at night");
        assertThat(sky.entities()).extracting(LayoutIR.Entity::kind).containsExactly("thing", "stuff", "stuff");
        assertThat(sky.relations()).containsExactly(new LayoutIR.Relation("in", "e1", "e2"),
                new LayoutIR.Relation("above", "e2", "e3"));
        assertThat(sky.background()).isEqualTo("night");
    }

    @Test
    void theRefersBackAndBetweenTakesTwoObjects() {
        LayoutIR ir = PARSER.parse("a yellow ring left of a red ball and a blue star right of the red ball");
        assertThat(ir.entities()).hasSize(3);
        assertThat(ir.relations()).containsExactly(new LayoutIR.Relation("left_of", "e1", "e2"),
                new LayoutIR.Relation("right_of", "e3", "e2"));
        assertThat(PARSER.parse("a lamp between a bed and a chair").relations())
                .containsExactly(new LayoutIR.Relation("between", "e1", "e2", "e3"));
    }

    @Test
    void unknownWordsAreReportedAndAfterADeterminerTakenAsNouns() {
        LayoutIR ir = PARSER.parse("a zorb to the left of a blorfy cube, glorping");
        assertThat(captions(ir)).containsExactly("a zorb ×1", "a blorfy cube ×1");
        assertThat(ir.entities().getFirst().unknown()).isTrue();
        assertThat(ir.entities().get(1).unknown()).isFalse();
        assertThat(ir.unknownWords()).containsExactly("zorb", "blorfy", "glorping");
        assertThat(PARSER.parse("hello world").entities()).isEmpty();
    }

    @Test
    void normalisationFoldsCaseWidthAndPunctuation() {
        LayoutIR ir = PARSER.parse("Ａ RED Ball—top-left!!");
        assertThat(captions(ir)).containsExactly("a red ball ×1");
        assertThat(ir.places()).containsExactly(new LayoutIR.Place("e1", "top-left"));
    }
}
