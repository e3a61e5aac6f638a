package dev.lumen.layout.review;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Region;
import dev.lumen.layout.planner.Lexicon;
import dev.lumen.layout.scoring.LayoutScorer;
import dev.lumen.layout.scoring.LayoutScores;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalises a valid layout and says what is likely to work badly, without changing any box:
 * captions are stripped and their inner whitespace collapsed; warnings name regions whose box is
 * under 3×3 tokens at the given size (16 px per token, where small boxes become unreliable), more
 * than 6 regions (adherence falls with the count), overlapping regions with the same caption,
 * plural region captions ("three apples": counting works with one singular region per instance),
 * and region captions that carry relations ("a cup on the table": the relation belongs in the
 * boxes and the global caption). See {@code layout.md} §3.7.
 */
public final class LayoutReview {
    /** A PixArt token covers 16×16 output pixels (VAE /8, patch 2). */
    private static final int TOKEN_PX = 16;
    private static final int MANY_REGIONS = 6;

    private final Lexicon lexicon;

    public LayoutReview(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** The normalised layout, its scores and warnings. */
    public record Reviewed(Layout layout, LayoutScores scores, List<String> warnings) {
    }

    public Reviewed review(Layout layout, int width, int height) {
        List<Region> regions = new ArrayList<>();
        for (Region r : layout.regions()) {
            regions.add(new Region(r.box(), tidy(r.caption()), r.id()));
        }
        Layout normal = new Layout(tidy(layout.caption()), layout.background() == null ? null : tidy(layout.background()),
                regions, layout.control());
        List<String> warnings = new ArrayList<>();
        if (regions.size() > MANY_REGIONS) {
            warnings.add(regions.size() + " regions: adherence falls as regions grow; " + MANY_REGIONS + " or fewer work best");
        }
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            double wPx = r.box().width() * width;
            double hPx = r.box().height() * height;
            if (wPx < 3 * TOKEN_PX || hPx < 3 * TOKEN_PX) {
                warnings.add("regions[" + i + "] is " + Math.round(wPx) + "×" + Math.round(hPx) + " px at " + width + "×"
                        + height + ", under 3×3 tokens (48 px): small regions are unreliable");
            }
            if (plural(r.caption())) {
                warnings.add("regions[" + i + "].caption \"" + r.caption() + "\" is plural: one region per instance with"
                        + " a singular caption (\"a red apple\") counts better");
            }
            if (relational(r.caption())) {
                warnings.add("regions[" + i + "].caption \"" + r.caption() + "\" names a relation or place: describe the"
                        + " object; its box says where it is");
            }
            for (int j = 0; j < i; j++) {
                Region o = regions.get(j);
                if (o.caption().equalsIgnoreCase(r.caption()) && o.box().intersection(r.box()) > 0) {
                    warnings.add("regions[" + j + "] and regions[" + i + "] overlap with the same caption; the overlap"
                            + " goes to the smaller box");
                }
            }
        }
        List<Box> boxes = regions.stream().map(Region::box).toList();
        LayoutScores scores = LayoutScorer.score(boxes, LayoutScorer.OverlapIntent.NONE, null, null, false);
        return new Reviewed(normal, scores, warnings);
    }

    private static String tidy(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    private boolean plural(String caption) {
        for (Lexicon.Token t : lexicon.tokenize(caption)) {
            Lexicon.Sense number = t.sense(Lexicon.Category.NUMBER);
            if (number != null && number.count() > 1) {
                return true;
            }
            Lexicon.Sense noun = t.sense(Lexicon.Category.NOUN);
            if (noun != null && noun.plural() && !noun.noun().mass() && t.senses().size() == 1) {
                return true;
            }
        }
        return false;
    }

    private boolean relational(String caption) {
        return lexicon.tokenize(caption).stream()
                .anyMatch(t -> t.is(Lexicon.Category.RELATION) || t.is(Lexicon.Category.POSITION));
    }
}
