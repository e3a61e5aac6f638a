package dev.lumen.layout.planner;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.contracts.layout.LayoutValidator;
import dev.lumen.contracts.layout.Region;
import dev.lumen.layout.scoring.ConstraintChecks;
import dev.lumen.layout.scoring.LayoutScorer;
import dev.lumen.layout.scoring.LayoutScores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rule planner of {@code layout.md} §6.2–§6.4: {@link TextParser} reads the prompt into a
 * {@link LayoutIR}; counts are capped to the region limit (stuff strips go first, then the largest
 * counts shrink, with warnings); {@link Placer} places up to eight deterministic candidates (sizes
 * ×0.85/1/1.15, free objects in reverse order, mirrored when nothing fixes left and right); each is
 * scored ({@link LayoutScorer}, constraint checks of {@link ConstraintChecks}) and the best wins,
 * ties to the earlier candidate. Region captions are singular with their attributes ("a red
 * apple", three times for "three red apples"); the background is the scene the prompt names, or
 * the lexicon's default. Thread-safe and deterministic: same prompt, size and limit, same layout.
 */
public final class RulePlanner implements LayoutPlanner {
    public static final String NAME = "rule";
    /** Planner code version and lexicon version together: either changing changes layouts. */
    public static final String VERSION = "1+lexicon." + Lexicon.VERSION;

    private static final List<Placer.Variant> CANDIDATES = List.of(
            new Placer.Variant(1, false, false), new Placer.Variant(0.85, false, false),
            new Placer.Variant(1.15, false, false), new Placer.Variant(1, false, true),
            new Placer.Variant(0.85, false, true), new Placer.Variant(1, true, false),
            new Placer.Variant(0.85, true, false), new Placer.Variant(1.15, true, false));

    private final Lexicon lexicon;
    private final TextParser parser;

    public RulePlanner(Lexicon lexicon) {
        this.lexicon = lexicon;
        this.parser = new TextParser(lexicon);
    }

    /** A planner on the bundled lexicon. */
    public static RulePlanner create() {
        return new RulePlanner(Lexicon.load());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return VERSION;
    }

    /** Reads a prompt into the IR without placing anything. */
    public LayoutIR parse(String prompt) {
        return parser.parse(prompt);
    }

    @Override
    public PlanResult plan(PlanRequest request) {
        LayoutIR parsed = parser.parse(request.prompt());
        List<String> warnings = new ArrayList<>();
        if (parsed.entities().isEmpty()) {
            throw new NothingToPlaceException("found nothing to place in the prompt: no object the planner knows"
                    + (parsed.unknownWords().isEmpty() ? "" : " (unknown words: " + parsed.unknownWords() + ")")
                    + "; name objects (\"a red ball to the left of a blue cube\") or send a layout", parsed.unknownWords());
        }
        LayoutIR ir = cap(parsed, request.maxRegions(), warnings);
        for (LayoutIR.Entity e : ir.entities()) {
            if (e.unknown()) {
                warnings.add("\"" + e.head() + "\" is not in the lexicon; placed as an object of default size");
            }
        }
        Candidate best = null;
        for (Placer.Variant variant : CANDIDATES) {
            Placer.Placement placement = Placer.place(ir, request.width(), request.height(), variant);
            Candidate c = candidate(ir, placement);
            if (best == null || c.scores.score() > best.scores.score() + 1e-9) {
                best = c;
            }
        }
        warnings.addAll(best.placement.warnings());
        for (LayoutIR.Relation r : ir.relations()) {
            if (!best.placement.activeRelations().contains(r)) {
                continue;
            }
            if (!satisfied(r, best.placement.boxes())) {
                warnings.add("relation " + r.a() + " " + r.type() + " " + r.b() + " is not met by the boxes");
            }
        }
        String background = ir.background() != null ? ir.background() : lexicon.defaultBackground();
        Layout layout = new Layout(request.prompt().strip(), background, regions(ir, best.placement.boxes()), null);
        // The planner's own output must pass the rules every client layout passes.
        LayoutValidator.requireValid(layout, LayoutLimits.HARD.withMaxRegions(request.maxRegions()), "layout");
        return new PlanResult(layout, new PlanResult.Planner(NAME, VERSION), ir, best.scores, warnings);
    }

    private record Candidate(Placer.Placement placement, LayoutScores scores) {
    }

    /**
     * Caps the instances to {@code maxRegions}: stuff strips are dropped first (latest mentioned
     * first), then the largest count shrinks by one at a time (ties: the later entity).
     */
    private static LayoutIR cap(LayoutIR ir, int maxRegions, List<String> warnings) {
        List<LayoutIR.Entity> entities = new ArrayList<>(ir.entities());
        int total = entities.stream().mapToInt(LayoutIR.Entity::count).sum();
        for (int i = entities.size() - 1; i >= 0 && total > maxRegions; i--) {
            if (entities.get(i).stuff() && entities.stream().anyMatch(e -> !e.stuff())) {
                warnings.add("dropped \"" + entities.get(i).caption() + "\": more than " + maxRegions + " regions");
                total -= entities.get(i).count();
                entities.remove(i);
            }
        }
        while (total > maxRegions) {
            int largest = -1;
            for (int i = 0; i < entities.size(); i++) {
                if (entities.get(i).count() > 1 && (largest < 0 || entities.get(i).count() >= entities.get(largest).count())) {
                    largest = i;
                }
            }
            if (largest < 0) {
                LayoutIR.Entity last = entities.removeLast();
                warnings.add("dropped \"" + last.caption() + "\": more than " + maxRegions + " regions");
                total -= 1;
                continue;
            }
            LayoutIR.Entity e = entities.get(largest);
            entities.set(largest, e.withCount(e.count() - 1));
            total--;
        }
        for (LayoutIR.Entity capped : entities) {
            LayoutIR.Entity original = ir.entity(capped.id());
            if (original.count() != capped.count()) {
                warnings.add("\"" + original.caption() + "\" × " + original.count() + " capped to × "
                        + capped.count() + ": at most " + maxRegions + " regions");
            }
        }
        List<String> kept = entities.stream().map(LayoutIR.Entity::id).toList();
        return new LayoutIR(ir.version(), entities,
                ir.relations().stream().filter(r -> kept.contains(r.a()) && kept.contains(r.b())
                        && (r.c() == null || kept.contains(r.c()))).toList(),
                ir.places().stream().filter(p -> kept.contains(p.entity())).toList(),
                ir.arrangements().stream().filter(a -> kept.contains(a.entity())).toList(),
                ir.background(), ir.unknownWords());
    }

    private Candidate candidate(LayoutIR ir, Placer.Placement placement) {
        Map<String, List<Box>> boxes = placement.boxes();
        List<Box> flat = new ArrayList<>();
        List<String> owner = new ArrayList<>();
        boxes.forEach((id, list) -> list.forEach(b -> {
            flat.add(b);
            owner.add(id);
        }));
        int total = 0;
        int met = 0;
        for (LayoutIR.Relation r : ir.relations()) {
            total++;
            met += satisfied(r, boxes) ? 1 : 0;
        }
        for (LayoutIR.Place p : ir.places()) {
            total++;
            met += boxes.get(p.entity()).stream().allMatch(b -> ConstraintChecks.place(p.pos(), b)) ? 1 : 0;
        }
        for (LayoutIR.Arrangement a : ir.arrangements()) {
            total++;
            met += ConstraintChecks.arrangement(a.type(), boxes.get(a.entity())) ? 1 : 0;
        }
        double constraints = total == 0 ? 1 : (double) met / total;
        long exact = ir.entities().stream().filter(e -> boxes.get(e.id()).size() == e.count()).count();
        double counts = (double) exact / ir.entities().size();
        boolean stuff = ir.entities().stream().anyMatch(LayoutIR.Entity::stuff);
        LayoutScorer.OverlapIntent intent = (i, j) -> ir.entity(owner.get(i)).stuff() || ir.entity(owner.get(j)).stuff()
                || related(ir, owner.get(i), owner.get(j));
        return new Candidate(placement, LayoutScorer.score(flat, intent, constraints, counts, stuff));
    }

    /** Support, containment and depth relations mean overlap is intended. */
    private static boolean related(LayoutIR ir, String a, String b) {
        return ir.relations().stream().anyMatch(r -> ((r.a().equals(a) && r.b().equals(b)) || (r.a().equals(b) && r.b().equals(a)))
                && (r.type().equals("on") || r.type().equals("in") || r.type().equals("in_front_of") || r.type().equals("behind")));
    }

    /** A relation holds for groups when it holds for every pair of their instances. */
    static boolean satisfied(LayoutIR.Relation r, Map<String, List<Box>> boxes) {
        List<Box> as = boxes.get(r.a());
        List<Box> bs = boxes.get(r.b());
        List<Box> cs = r.c() == null ? java.util.Collections.singletonList(null) : boxes.get(r.c());
        for (Box a : as) {
            for (Box b : bs) {
                for (Box c : cs) {
                    if (!ConstraintChecks.relation(r.type(), a, b, c)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Regions: stuff strips first (they lie under everything), then things in mention order; ids from the IR. */
    private static List<Region> regions(LayoutIR ir, Map<String, List<Box>> boxes) {
        List<Region> out = new ArrayList<>();
        Map<String, LayoutIR.Entity> ordered = new LinkedHashMap<>();
        ir.entities().stream().filter(LayoutIR.Entity::stuff).forEach(e -> ordered.put(e.id(), e));
        ir.entities().stream().filter(e -> !e.stuff()).forEach(e -> ordered.put(e.id(), e));
        for (LayoutIR.Entity e : ordered.values()) {
            List<Box> list = boxes.get(e.id());
            for (int k = 0; k < list.size(); k++) {
                out.add(new Region(list.get(k), e.caption(), list.size() == 1 ? e.id() : e.id() + "-" + (k + 1)));
            }
        }
        return out;
    }
}
