package dev.lumen.layout.benchmark;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutLimits;
import dev.lumen.contracts.layout.LayoutValidator;
import dev.lumen.contracts.layout.Region;
import dev.lumen.layout.LayoutPlanning;
import dev.lumen.layout.planner.NothingToPlaceException;
import dev.lumen.layout.scoring.ConstraintChecks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The planner's constraint satisfaction on a text set (issue 8's benchmark; target ≥ 0.95). Each
 * text's layout is checked against what the text set expects, never against the planner's own
 * reading: the layout is valid; each expected object has exactly its count of regions with its
 * caption; there are no other regions; each relation, place and arrangement holds for every
 * instance by the checks of {@link ConstraintChecks}. Satisfaction is checks passed over checks
 * made; a text succeeds when all of its checks pass. A text the planner cannot plan fails all of
 * its checks.
 */
public final class PlannerBenchmark {
    private PlannerBenchmark() {
    }

    /** One text's outcome. */
    public record Outcome(PlannerCase text, int checks, int passed, List<String> failures) {
        public boolean success() {
            return passed == checks;
        }
    }

    /** All outcomes, with totals per group. */
    public record Report(List<Outcome> outcomes) {
        public double satisfaction() {
            return ratio(outcomes.stream().mapToInt(Outcome::passed).sum(), outcomes.stream().mapToInt(Outcome::checks).sum());
        }

        public double textSuccess() {
            return ratio(outcomes.stream().filter(Outcome::success).count(), outcomes.size());
        }

        /** A table of checks, satisfaction and text success per group and overall. */
        public String table() {
            Map<String, List<Outcome>> groups = new LinkedHashMap<>();
            outcomes.forEach(o -> groups.computeIfAbsent(o.text().group(), g -> new ArrayList<>()).add(o));
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%-12s %6s %7s %13s %13s%n", "group", "texts", "checks", "satisfaction",
                    "text success"));
            groups.forEach((g, list) -> out.append(row(g, new Report(list))));
            out.append(row("all", this));
            return out.toString();
        }

        private static String row(String name, Report r) {
            int checks = r.outcomes().stream().mapToInt(Outcome::checks).sum();
            return String.format(Locale.ROOT, "%-12s %6d %7d %13.3f %13.3f%n", name, r.outcomes().size(), checks,
                    r.satisfaction(), r.textSuccess());
        }

        private static double ratio(double a, double b) {
            return b == 0 ? 1 : a / b;
        }
    }

    /** Plans every text at {@code width}×{@code height} and checks it. */
    public static Report run(LayoutPlanning planning, List<PlannerCase> texts, int width, int height) {
        List<Outcome> outcomes = new ArrayList<>();
        for (PlannerCase text : texts) {
            Layout layout;
            try {
                layout = planning.plan(text.text(), width, height).layout();
            } catch (NothingToPlaceException e) {
                int checks = checks(text);
                outcomes.add(new Outcome(text, checks, 0, List.of("not planned: " + e.getMessage())));
                continue;
            }
            outcomes.add(check(text, layout));
        }
        return new Report(outcomes);
    }

    private static int checks(PlannerCase t) {
        return 2 + t.objects().size() + t.relations().size() + t.places().size() + t.arrangements().size();
    }

    /** Checks one layout against one text's expectations. */
    public static Outcome check(PlannerCase text, Layout layout) {
        List<String> failures = new ArrayList<>();
        int checks = 0;
        int passed = 0;
        checks++;
        if (LayoutValidator.check(layout, LayoutLimits.HARD, "layout").isEmpty()) {
            passed++;
        } else {
            failures.add("invalid layout");
        }
        List<List<Box>> boxes = new ArrayList<>();
        for (PlannerCase.Expected o : text.objects()) {
            List<Box> found = layout.regions().stream().filter(r -> same(r.caption(), o.caption())).map(Region::box).toList();
            boxes.add(found);
            checks++;
            if (found.size() == o.count()) {
                passed++;
            } else {
                failures.add("\"" + o.caption() + "\": " + found.size() + " regions, expected " + o.count());
            }
        }
        checks++;
        List<String> extra = layout.regions().stream().map(Region::caption)
                .filter(c -> text.objects().stream().noneMatch(o -> same(c, o.caption()))).toList();
        if (extra.isEmpty()) {
            passed++;
        } else {
            failures.add("unexpected regions " + extra);
        }
        for (PlannerCase.Relation r : text.relations()) {
            checks++;
            List<Box> as = boxes.get(r.a());
            List<Box> bs = boxes.get(r.b());
            List<Box> cs = r.c() == null ? null : boxes.get(r.c());
            boolean ok = !as.isEmpty() && !bs.isEmpty() && (cs == null || !cs.isEmpty());
            for (Box a : as) {
                for (Box b : bs) {
                    if (cs == null) {
                        ok &= ConstraintChecks.relation(r.type(), a, b, null);
                    } else {
                        for (Box c : cs) {
                            ok &= ConstraintChecks.relation(r.type(), a, b, c);
                        }
                    }
                }
            }
            if (ok) {
                passed++;
            } else {
                failures.add("relation " + r.a() + " " + r.type() + " " + r.b() + " not met");
            }
        }
        for (PlannerCase.Place p : text.places()) {
            checks++;
            List<Box> list = boxes.get(p.object());
            if (!list.isEmpty() && list.stream().allMatch(b -> ConstraintChecks.place(p.pos(), b))) {
                passed++;
            } else {
                failures.add("object " + p.object() + " not at " + p.pos());
            }
        }
        for (PlannerCase.Arrangement a : text.arrangements()) {
            checks++;
            List<Box> list = boxes.get(a.object());
            if (list.size() > 1 && ConstraintChecks.arrangement(a.type(), list)) {
                passed++;
            } else {
                failures.add("object " + a.object() + " not in a " + a.type());
            }
        }
        return new Outcome(text, checks, passed, failures);
    }

    private static boolean same(String a, String b) {
        return a.strip().equalsIgnoreCase(b.strip());
    }

    /** Prints the table for the standard text set: {@code java … PlannerBenchmark [width height]}. */
    public static void main(String[] args) {
        int width = args.length > 1 ? Integer.parseInt(args[0]) : 512;
        int height = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        Report report = run(LayoutPlanning.create(), PlannerTextSet.standard(), width, height);
        System.out.print(report.table());
        report.outcomes().stream().filter(o -> !o.success())
                .forEach(o -> System.out.println("FAIL " + o.text().id() + " \"" + o.text().text() + "\": " + o.failures()));
    }
}
