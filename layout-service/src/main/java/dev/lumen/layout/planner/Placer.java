package dev.lumen.layout.planner;

import dev.lumen.contracts.layout.Box;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 2 of the rule planner ({@code layout.md} §6.3): IR → boxes, deterministically. Every
 * counted entity becomes a group box (its instances in a row, a column or a grid with equal sizes
 * and gaps); stuff gets a fixed strip (sky at the top, ground, sea, floor at the bottom). Group
 * sizes come from a share of the canvas per instance, times size words and the noun's aspect prior
 * (in pixels, so a person is tall on any canvas). Initial centres come from absolute places (the
 * centres of a 3×3 grid), longest-path ranks of the horizontal and vertical relation graphs
 * (a relation that would close a cycle is dropped with a warning), and for the rest an even spread
 * in mention order. Then projected coordinate descent on an energy of relation and place
 * violations, unintended overlap, leaving the canvas and distance from the start refines the
 * centres (at most 200 sweeps, halving the step). Same input, same boxes: no randomness, no clock,
 * no hash order.
 */
final class Placer {
    /** Fraction of the canvas shared by all things, before size words; one thing alone gets at most 0.2. */
    private static final double CANVAS_SHARE = 0.2;
    private static final double MIN_AREA = 0.02;
    private static final double MAX_AREA = 0.16;
    /** A support or container ("on a table", "in a box") is this many times larger, so its load fits on it. */
    private static final double SUPPORT_FACTOR = 3;
    private static final double GAP = 0.03;
    private static final double MARGIN = 0.02;
    private static final double MIN_SIDE = 1.0 / 16;
    private static final double MAX_SIDE = 0.9;
    private static final int SWEEPS = 200;
    private static final double[] THIRDS = {1.0 / 6, 0.5, 5.0 / 6};

    /** How one candidate differs from the plain placement. */
    record Variant(double sizeScale, boolean mirror, boolean reverseFree) {
        static final Variant PLAIN = new Variant(1, false, false);
    }

    /** The placed boxes of every entity (group members in order), and what was given up on the way. */
    record Placement(Map<String, List<Box>> boxes, List<LayoutIR.Relation> activeRelations, List<String> warnings) {
    }

    /** A group: one entity's instances, placed as one box. */
    private static final class Group {
        final LayoutIR.Entity entity;
        final int index;
        final String arrangement;
        final double[] place; // target (tx, ty), NaN where free
        double w;
        double h;
        double gw;
        double gh;
        double cx;
        double cy;
        double cx0;
        double cy0;
        Box fixed; // stuff strips do not move

        Group(LayoutIR.Entity entity, int index, String arrangement, double[] place) {
            this.entity = entity;
            this.index = index;
            this.arrangement = arrangement;
            this.place = place;
        }

        boolean movable() {
            return fixed == null;
        }

        Box box() {
            return fixed != null ? fixed : new Box(cx - gw / 2, cy - gh / 2, cx + gw / 2, cy + gh / 2);
        }
    }

    private final List<Group> groups = new ArrayList<>();
    private final Map<String, Group> byId = new LinkedHashMap<>();
    private final List<LayoutIR.Relation> relations = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final double aspectToFraction;

    private Placer(int width, int height) {
        this.aspectToFraction = (double) height / width;
    }

    /** Places an IR (counts already capped) on a canvas of {@code width}×{@code height} pixels. */
    static Placement place(LayoutIR ir, int width, int height, Variant variant) {
        Placer p = new Placer(width, height);
        return p.run(ir, variant);
    }

    private Placement run(LayoutIR ir, Variant variant) {
        for (LayoutIR.Entity e : ir.entities()) {
            String place = ir.placeOf(e.id());
            Group g = new Group(e, groups.size(), arrangement(e, ir.arrangementOf(e.id()), place), target(place));
            groups.add(g);
            byId.put(e.id(), g);
        }
        stuffStrips();
        int things = groups.stream().filter(Group::movable).mapToInt(g -> g.entity.count()).sum();
        double share = Math.max(MIN_AREA, Math.min(MAX_AREA, CANVAS_SHARE / Math.max(1, things)));
        relations.addAll(ir.relations());
        for (Group g : groups) {
            if (g.movable()) {
                size(g, share * variant.sizeScale() * (supports(g) ? SUPPORT_FACTOR : 1));
            }
        }
        fitContained();
        groupSizes();
        boolean[] horizontal = order(true);
        order(false);
        initial(variant, horizontal);
        refine();
        if (variant.mirror() && mirrorable(ir)) {
            for (Group g : groups) {
                if (g.movable()) {
                    g.cx = 1 - g.cx;
                }
            }
        }
        Map<String, List<Box>> boxes = new LinkedHashMap<>();
        for (Group g : groups) {
            boxes.put(g.entity.id(), members(g));
        }
        return new Placement(boxes, List.copyOf(relations), List.copyOf(warnings));
    }

    private static String arrangement(LayoutIR.Entity e, String given, String place) {
        if (e.count() <= 1) {
            return "single";
        }
        if (given != null) {
            return given;
        }
        if (e.count() > 4) {
            return "grid";
        }
        return "left".equals(place) || "right".equals(place) ? "column" : "row";
    }

    /** The target centre of a place on the 3×3 grid: (tx, ty), NaN on a free axis. */
    private static double[] target(String place) {
        double nan = Double.NaN;
        if (place == null) {
            return new double[] {nan, nan};
        }
        return switch (place) {
            case "left" -> new double[] {THIRDS[0], nan};
            case "right" -> new double[] {THIRDS[2], nan};
            case "top" -> new double[] {nan, THIRDS[0]};
            case "bottom" -> new double[] {nan, THIRDS[2]};
            case "center" -> new double[] {0.5, 0.5};
            case "top-left" -> new double[] {THIRDS[0], THIRDS[0]};
            case "top-right" -> new double[] {THIRDS[2], THIRDS[0]};
            case "bottom-left" -> new double[] {THIRDS[0], THIRDS[2]};
            case "bottom-right" -> new double[] {THIRDS[2], THIRDS[2]};
            default -> new double[] {nan, nan};
        };
    }

    /** Stuff gets strips: the top band (sky), the bottom band (ground, sea, floor), or a wall above the floor. */
    private void stuffStrips() {
        Map<Lexicon.Kind, List<Group>> bands = new LinkedHashMap<>();
        for (Group g : groups) {
            if (g.entity.stuff()) {
                bands.computeIfAbsent(g.entity.nounKind(), k -> new ArrayList<>()).add(g);
            }
        }
        bands.forEach((kind, list) -> {
            double y0 = switch (kind) {
                case STUFF_TOP -> 0;
                case STUFF_BOTTOM -> 0.62;
                default -> 0;
            };
            double y1 = switch (kind) {
                case STUFF_TOP -> 0.35;
                case STUFF_BOTTOM -> 1;
                default -> 0.62;
            };
            // Several of one kind ("the sea and the sand") share the band as layers, in mention order.
            for (int i = 0; i < list.size(); i++) {
                double a = y0 + (y1 - y0) * i / list.size();
                double b = y0 + (y1 - y0) * (i + 1) / list.size();
                list.get(i).fixed = new Box(0, round(a), 1, round(b));
            }
        });
    }

    private boolean supports(Group g) {
        return relations.stream().anyMatch(r -> r.b().equals(g.entity.id()) && (r.type().equals("on") || r.type().equals("in")));
    }

    /** Instance size from the canvas share, size words and the aspect prior (pixel width / height). */
    private void size(Group g, double share) {
        double area = Math.max(0.004, Math.min(0.5, share * g.entity.sizeFactor()));
        double aspect = g.entity.aspect() * aspectToFraction;
        double w = Math.sqrt(area * aspect);
        double h = area / w;
        g.w = clamp(w, MIN_SIDE, MAX_SIDE);
        g.h = clamp(h, MIN_SIDE, MAX_SIDE);
    }

    /** "A in B" and "A on B": A fits inside B shrunk by 10% (at most half its area), or at most 0.8 of B's width. */
    private void fitContained() {
        for (LayoutIR.Relation r : relations) {
            Group a = byId.get(r.a());
            Group b = byId.get(r.b());
            if (a == null || b == null || !a.movable()) {
                continue;
            }
            double bw = b.movable() ? b.w * b.entity.count() : b.fixed.width();
            double bh = b.movable() ? b.h : b.fixed.height();
            if (r.type().equals("in")) {
                double f = Math.min(1, Math.min(0.8 * bw / (a.w * groupFactorX(a)), 0.8 * bh / (a.h * groupFactorY(a))));
                f = Math.min(f, Math.sqrt(0.5 * bw * bh / (a.w * a.h * a.entity.count())));
                scale(a, f);
            } else if (r.type().equals("on")) {
                scale(a, Math.min(1, 0.8 * bw / (a.w * groupFactorX(a))));
            }
        }
    }

    private static double groupFactorX(Group g) {
        return g.arrangement.equals("row") ? g.entity.count() : g.arrangement.equals("grid") ? gridColumns(g) : 1;
    }

    private static double groupFactorY(Group g) {
        return g.arrangement.equals("column") ? g.entity.count()
                : g.arrangement.equals("grid") ? Math.ceil((double) g.entity.count() / gridColumns(g)) : 1;
    }

    private static int gridColumns(Group g) {
        return (int) Math.ceil(Math.sqrt(g.entity.count()));
    }

    private static void scale(Group g, double f) {
        if (f < 1) {
            g.w = Math.max(MIN_SIDE, g.w * f);
            g.h = Math.max(MIN_SIDE, g.h * f);
        }
    }

    /** Group box sizes from member sizes and arrangement, shrunk to fit the canvas. */
    private void groupSizes() {
        for (Group g : groups) {
            if (!g.movable()) {
                continue;
            }
            int k = g.entity.count();
            double cols = groupFactorX(g);
            double rows = groupFactorY(g);
            double limit = 1 - 2 * MARGIN;
            double fx = (limit - (cols - 1) * GAP) / (cols * g.w);
            double fy = (limit - (rows - 1) * GAP) / (rows * g.h);
            double f = Math.min(1, Math.min(fx, fy));
            if (f < 1) {
                g.w *= f;
                g.h *= f;
            }
            g.gw = cols * g.w + (cols - 1) * GAP;
            g.gh = rows * g.h + (rows - 1) * GAP;
            if (k > 1 && Math.min(g.w, g.h) < 1.0 / 32) {
                warnings.add(g.entity.count() + " × \"" + g.entity.caption() + "\" do not fit well; boxes are small");
            }
        }
    }

    private int[] rankX;
    private int[] rankY;

    /**
     * Ranks groups along one axis by the longest path in the graph of ordering relations
     * (left_of, right_of, next_to, between horizontally; above, below, on, under vertically), in
     * relation order; a relation that would close a cycle is dropped from placement with a warning.
     * Returns which groups take part.
     */
    private boolean[] order(boolean horizontal) {
        int n = groups.size();
        List<List<Integer>> edges = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            edges.add(new ArrayList<>());
        }
        boolean[] involved = new boolean[n];
        List<LayoutIR.Relation> dropped = new ArrayList<>();
        for (LayoutIR.Relation r : relations) {
            List<int[]> pairs = horizontal ? horizontalEdges(r) : verticalEdges(r);
            if (pairs.isEmpty()) {
                continue;
            }
            boolean ok = true;
            for (int[] e : pairs) {
                if (reaches(edges, e[1], e[0])) {
                    ok = false;
                }
            }
            if (!ok) {
                dropped.add(r);
                warnings.add("dropped relation " + r.a() + " " + r.type() + " " + r.b()
                        + (r.c() != null ? " and " + r.c() : "") + ": it contradicts an earlier one");
                continue;
            }
            for (int[] e : pairs) {
                edges.get(e[0]).add(e[1]);
                involved[e[0]] = true;
                involved[e[1]] = true;
            }
        }
        relations.removeAll(dropped);
        int[] rank = new int[n];
        // Longest path by relaxation: n rounds suffice in a DAG of n nodes.
        for (int round = 0; round < n; round++) {
            for (int i = 0; i < n; i++) {
                for (int j : edges.get(i)) {
                    rank[j] = Math.max(rank[j], rank[i] + 1);
                }
            }
        }
        if (horizontal) {
            rankX = rank;
        } else {
            rankY = rank;
        }
        return involved;
    }

    private List<int[]> horizontalEdges(LayoutIR.Relation r) {
        Group a = byId.get(r.a());
        Group b = byId.get(r.b());
        Group c = r.c() == null ? null : byId.get(r.c());
        if (a == null || b == null || !a.movable() || !b.movable()) {
            return List.of();
        }
        return switch (r.type()) {
            case "left_of", "next_to" -> List.of(new int[] {a.index, b.index});
            case "right_of" -> List.of(new int[] {b.index, a.index});
            case "between" -> c == null || !c.movable() ? List.of()
                    : List.of(new int[] {b.index, a.index}, new int[] {a.index, c.index});
            default -> List.of();
        };
    }

    private List<int[]> verticalEdges(LayoutIR.Relation r) {
        Group a = byId.get(r.a());
        Group b = byId.get(r.b());
        if (a == null || b == null || !a.movable() || !b.movable()) {
            return List.of();
        }
        return switch (r.type()) {
            case "above", "on" -> List.of(new int[] {a.index, b.index});
            case "below", "under" -> List.of(new int[] {b.index, a.index});
            default -> List.of();
        };
    }

    private static boolean reaches(List<List<Integer>> edges, int from, int to) {
        if (from == to) {
            return true;
        }
        boolean[] seen = new boolean[edges.size()];
        List<Integer> stack = new ArrayList<>(List.of(from));
        while (!stack.isEmpty()) {
            int v = stack.removeLast();
            if (v == to) {
                return true;
            }
            if (!seen[v]) {
                seen[v] = true;
                stack.addAll(edges.get(v));
            }
        }
        return false;
    }

    /**
     * Initial centres: places, then ranks, then support and containment (A on B sits on B's top
     * band, A in B at B's centre), then the rest. Groups tied vertically (above, on, in, in front
     * of…) with no column of their own share one column; such units whose vertical extents overlap
     * are spread evenly over the width in mention order (reversed in one candidate), the others
     * stay centred.
     */
    private void initial(Variant variant, boolean[] horizontal) {
        int maxX = 0;
        int maxY = 0;
        for (Group g : groups) {
            if (g.movable()) {
                maxX = Math.max(maxX, rankX[g.index]);
                maxY = Math.max(maxY, rankY[g.index]);
            }
        }
        int n = groups.size();
        boolean[] freeX = new boolean[n];
        for (Group g : groups) {
            if (!g.movable()) {
                continue;
            }
            if (!Double.isNaN(g.place[1])) {
                g.cy = g.place[1];
            } else if (maxY > 0 && involvedVertically(g)) {
                g.cy = (rankY[g.index] + 0.5) / (maxY + 1);
            } else {
                g.cy = 0.5;
            }
            if (!Double.isNaN(g.place[0])) {
                g.cx = g.place[0];
            } else if (horizontal[g.index] && maxX > 0) {
                g.cx = (rankX[g.index] + 0.5) / (maxX + 1);
            } else {
                g.cx = 0.5;
                freeX[g.index] = true;
            }
        }
        int[] unit = new int[n];
        for (int i = 0; i < n; i++) {
            unit[i] = i;
        }
        for (LayoutIR.Relation r : relations) {
            Group a = byId.get(r.a());
            Group b = byId.get(r.b());
            if (a == null || b == null || !a.movable()) {
                continue;
            }
            Box bb = b.box();
            if (Double.isNaN(a.place[1]) && r.type().equals("on")) {
                a.cy = bb.y0() + 0.2 * bb.height() - a.gh / 2;
            } else if (Double.isNaN(a.place[1]) && r.type().equals("in")) {
                a.cy = bb.cy();
            }
            boolean vertical = switch (r.type()) {
                case "above", "below", "on", "under", "in", "in_front_of", "behind" -> true;
                default -> false;
            };
            if (vertical && b.movable()) {
                union(unit, a.index, b.index);
            }
        }
        // A unit with a column (a place or a rank) gives it to its free members.
        Map<Integer, List<Group>> units = new LinkedHashMap<>();
        for (Group g : groups) {
            if (g.movable()) {
                units.computeIfAbsent(find(unit, g.index), k -> new ArrayList<>()).add(g);
            }
        }
        List<List<Group>> free = new ArrayList<>();
        for (List<Group> members : units.values()) {
            Group anchor = members.stream().filter(m -> !freeX[m.index]).findFirst().orElse(null);
            if (anchor != null) {
                members.stream().filter(m -> freeX[m.index]).forEach(m -> m.cx = anchor.cx);
            } else {
                free.add(members);
            }
        }
        if (variant.reverseFree()) {
            free = free.reversed();
        }
        // Free units that share rows are spread over the width; the others stay centred.
        int[] component = new int[free.size()];
        for (int i = 0; i < free.size(); i++) {
            component[i] = i;
        }
        for (int i = 0; i < free.size(); i++) {
            for (int j = i + 1; j < free.size(); j++) {
                if (rowsOverlap(free.get(i), free.get(j))) {
                    union(component, i, j);
                }
            }
        }
        Map<Integer, List<List<Group>>> spreads = new LinkedHashMap<>();
        for (int i = 0; i < free.size(); i++) {
            spreads.computeIfAbsent(find(component, i), k -> new ArrayList<>()).add(free.get(i));
        }
        for (List<List<Group>> spread : spreads.values()) {
            for (int i = 0; i < spread.size(); i++) {
                double cx = (i + 0.5) / spread.size();
                spread.get(i).forEach(m -> m.cx = cx);
            }
        }
        for (Group g : groups) {
            g.cx0 = g.cx;
            g.cy0 = g.cy;
        }
    }

    private static boolean rowsOverlap(List<Group> a, List<Group> b) {
        return extent(a)[0] < extent(b)[1] && extent(b)[0] < extent(a)[1];
    }

    private static double[] extent(List<Group> unit) {
        double lo = 1;
        double hi = 0;
        for (Group g : unit) {
            lo = Math.min(lo, g.cy - g.gh / 2);
            hi = Math.max(hi, g.cy + g.gh / 2);
        }
        return new double[] {lo, hi};
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            i = parent[i];
        }
        return i;
    }

    /** Unites two sets, keeping the lower index as the root so results follow mention order. */
    private static void union(int[] parent, int i, int j) {
        int a = find(parent, i);
        int b = find(parent, j);
        if (a != b) {
            parent[Math.max(a, b)] = Math.min(a, b);
        }
    }

    private boolean involvedVertically(Group g) {
        for (LayoutIR.Relation r : relations) {
            if (!verticalEdges(r).isEmpty() && (r.a().equals(g.entity.id()) || r.b().equals(g.entity.id()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether nothing fixes left and right, so a mirrored layout is as faithful. */
    private boolean mirrorable(LayoutIR ir) {
        if (ir.places().stream().anyMatch(p -> !p.pos().equals("top") && !p.pos().equals("bottom"))) {
            return false;
        }
        return relations.stream().noneMatch(r -> switch (r.type()) {
            case "left_of", "right_of", "between", "next_to" -> true;
            default -> false;
        });
    }

    /** Coordinate descent on the group centres. */
    private void refine() {
        double step = 0.08;
        double energy = energy();
        for (int sweep = 0; sweep < SWEEPS && step >= 0.002; sweep++) {
            boolean improved = false;
            for (Group g : groups) {
                if (!g.movable()) {
                    continue;
                }
                for (int axis = 0; axis < 2; axis++) {
                    double best = energy;
                    double bestDelta = 0;
                    for (double d : new double[] {step, -step}) {
                        shift(g, axis, d);
                        double e = energy();
                        shift(g, axis, -d);
                        if (e < best - 1e-12) {
                            best = e;
                            bestDelta = d;
                        }
                    }
                    if (bestDelta != 0) {
                        shift(g, axis, bestDelta);
                        energy = best;
                        improved = true;
                    }
                }
            }
            if (!improved) {
                step /= 2;
            }
        }
        // Whatever is left outside the canvas is moved in (sizes are at most 0.96 of a side).
        for (Group g : groups) {
            if (g.movable()) {
                g.cx = clamp(g.cx, g.gw / 2, 1 - g.gw / 2);
                g.cy = clamp(g.cy, g.gh / 2, 1 - g.gh / 2);
            }
        }
    }

    private static void shift(Group g, int axis, double d) {
        if (axis == 0) {
            g.cx += d;
        } else {
            g.cy += d;
        }
    }

    /** The energy of §6.3 step 5, with linear plus squared violation terms so small violations still count. */
    private double energy() {
        double e = 0;
        for (LayoutIR.Relation r : relations) {
            double v = violation(r);
            e += 10 * (v + v * v);
        }
        for (Group g : groups) {
            if (!g.movable()) {
                continue;
            }
            Box b = g.box();
            if (!Double.isNaN(g.place[0])) {
                double v = Math.max(0, Math.abs(b.cx() - g.place[0]) - 0.1);
                e += 10 * (v + v * v);
            }
            if (!Double.isNaN(g.place[1])) {
                double v = Math.max(0, Math.abs(b.cy() - g.place[1]) - 0.1);
                e += 10 * (v + v * v);
            }
            e += 10 * (Math.max(0, MARGIN - b.x0()) + Math.max(0, b.x1() - (1 - MARGIN))
                    + Math.max(0, MARGIN - b.y0()) + Math.max(0, b.y1() - (1 - MARGIN)));
            e += 0.1 * ((g.cx - g.cx0) * (g.cx - g.cx0) + (g.cy - g.cy0) * (g.cy - g.cy0));
        }
        for (int i = 0; i < groups.size(); i++) {
            Group a = groups.get(i);
            if (!a.movable()) {
                continue;
            }
            for (int j = i + 1; j < groups.size(); j++) {
                Group b = groups.get(j);
                if (!b.movable() || intended(a, b)) {
                    continue;
                }
                Box ba = grow(a.box(), GAP / 2);
                Box bb = grow(b.box(), GAP / 2);
                double inter = ba.intersection(bb);
                if (inter > 0) {
                    e += 4 * inter / Math.min(ba.area(), bb.area());
                }
            }
        }
        return e;
    }

    /** Whether two groups are meant to overlap: support, containment, depth. */
    boolean intended(Group a, Group b) {
        for (LayoutIR.Relation r : relations) {
            boolean pair = (r.a().equals(a.entity.id()) && r.b().equals(b.entity.id()))
                    || (r.a().equals(b.entity.id()) && r.b().equals(a.entity.id()));
            if (pair && (r.type().equals("on") || r.type().equals("in") || r.type().equals("in_front_of")
                    || r.type().equals("behind"))) {
                return true;
            }
        }
        return false;
    }

    /** How far group boxes are from satisfying a relation's target geometry (0 = satisfied, with margins). */
    private double violation(LayoutIR.Relation r) {
        Group ga = byId.get(r.a());
        Group gb = byId.get(r.b());
        if (ga == null || gb == null) {
            return 0;
        }
        Box a = ga.box();
        Box b = gb.box();
        boolean aPlacedY = !Double.isNaN(ga.place[1]);
        boolean bPlacedY = !Double.isNaN(gb.place[1]);
        boolean aPlacedX = !Double.isNaN(ga.place[0]);
        boolean bPlacedX = !Double.isNaN(gb.place[0]);
        return switch (r.type()) {
            case "left_of" -> leftOf(a, b) + (aPlacedY || bPlacedY ? 0 : Math.max(0, Math.abs(a.cy() - b.cy()) - 0.25));
            case "right_of" -> leftOf(b, a) + (aPlacedY || bPlacedY ? 0 : Math.max(0, Math.abs(a.cy() - b.cy()) - 0.25));
            case "above" -> above(a, b) + (aPlacedX || bPlacedX ? 0 : Math.max(0, Math.abs(a.cx() - b.cx()) - 0.25));
            case "below" -> above(b, a) + (aPlacedX || bPlacedX ? 0 : Math.max(0, Math.abs(a.cx() - b.cx()) - 0.25));
            case "on" -> distance(a.y1(), b.y0() + 0.15 * b.height(), b.y0() + 0.25 * b.height())
                    + distance(a.cx(), b.x0() + Math.min(a.width(), b.width()) / 2, b.x1() - Math.min(a.width(), b.width()) / 2);
            case "under" -> above(b, a) + Math.max(0, Math.abs(a.cx() - b.cx()) - 0.1);
            case "in" -> inside(a, shrink(b, 0.1));
            case "next_to" -> leftOf(a, b) + Math.max(0, b.x0() - a.x1() - 0.08) + Math.max(0, Math.abs(a.cy() - b.cy()) - 0.05);
            case "in_front_of" -> Math.max(0, b.y1() + 0.03 - a.y1()) + Math.max(0, a.y0() - (b.y1() - 0.05))
                    + Math.max(0, Math.abs(a.cx() - b.cx()) - b.width() / 2);
            case "behind" -> Math.max(0, a.y1() + 0.03 - b.y1()) + Math.max(0, b.y0() - (a.y1() - 0.05))
                    + Math.max(0, Math.abs(a.cx() - b.cx()) - a.width() / 2);
            case "between" -> {
                Group gc = byId.get(r.c());
                if (gc == null) {
                    yield 0;
                }
                Box c = gc.box();
                yield leftOf(b, a) + leftOf(a, c) + Math.max(0, Math.abs(a.cy() - b.cy()) - 0.05)
                        + Math.max(0, Math.abs(a.cy() - c.cy()) - 0.05);
            }
            default -> 0;
        };
    }

    /** A's right edge plus a gap at most B's left edge, and centres τ apart with room to spare. */
    private static double leftOf(Box a, Box b) {
        return Math.max(0, a.x1() + GAP - b.x0()) + Math.max(0, a.cx() + 0.1 - b.cx());
    }

    private static double above(Box a, Box b) {
        return Math.max(0, a.y1() + GAP - b.y0()) + Math.max(0, a.cy() + 0.1 - b.cy());
    }

    private static double distance(double v, double lo, double hi) {
        return v < lo ? lo - v : v > hi ? v - hi : 0;
    }

    private static double inside(Box a, Box b) {
        return Math.max(0, b.x0() - a.x0()) + Math.max(0, a.x1() - b.x1()) + Math.max(0, b.y0() - a.y0())
                + Math.max(0, a.y1() - b.y1());
    }

    private static Box shrink(Box b, double fraction) {
        double dx = b.width() * fraction / 2;
        double dy = b.height() * fraction / 2;
        return new Box(b.x0() + dx, b.y0() + dy, b.x1() - dx, b.y1() - dy);
    }

    private static Box grow(Box b, double d) {
        return new Box(b.x0() - d, b.y0() - d, b.x1() + d, b.y1() + d);
    }

    /** The instance boxes of a group, rounded to 4 decimals inside the canvas. */
    private List<Box> members(Group g) {
        if (!g.movable()) {
            return List.of(g.fixed);
        }
        int k = g.entity.count();
        int cols = (int) groupFactorX(g);
        List<Box> out = new ArrayList<>();
        double x0 = g.cx - g.gw / 2;
        double y0 = g.cy - g.gh / 2;
        for (int i = 0; i < k; i++) {
            int col = g.arrangement.equals("column") ? 0 : i % cols;
            int row = g.arrangement.equals("column") ? i : i / cols;
            double bx = x0 + col * (g.w + GAP);
            double by = y0 + row * (g.h + GAP);
            out.add(new Box(roundUp(bx), roundUp(by), roundDown(bx + g.w), roundDown(by + g.h)));
        }
        return out;
    }

    private static double roundUp(double v) {
        return clamp(Math.ceil(v * 10_000 - 1e-6) / 10_000, 0, 1);
    }

    private static double roundDown(double v) {
        return clamp(Math.floor(v * 10_000 + 1e-6) / 10_000, 0, 1);
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
