package dev.lumen.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random prompts of the eval-set groups with a matching ground-truth scene (cells, sizes,
 * colours and positions drawn the way the domain draws them, shapes never overlapping but free to
 * cross the image border), for the scorer's tests.
 */
final class Scenes {
    record Case(EvalPrompt prompt, List<ShapeRenderer.Drawn> drawn) {
    }

    static final List<String> GROUPS = List.of("one", "two", "relation", "three", "count");

    private final Domain domain;
    private final Random random;
    private int next;

    Scenes(Domain domain, long seed) {
        this.domain = domain;
        this.random = new Random(seed);
    }

    Random random() {
        return random;
    }

    Case next(String group) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            Case c = tryNext(group);
            if (c != null) {
                return c;
            }
        }
        throw new IllegalStateException("no non-overlapping scene for " + group);
    }

    private Case tryNext(String group) {
        List<String> colours = new ArrayList<>(domain.colours().keySet());
        java.util.Collections.shuffle(colours, random);
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < domain.grid(); r++) {
            for (int c = 0; c < domain.grid(); c++) {
                cells.add(new int[] {r, c});
            }
        }
        java.util.Collections.shuffle(cells, random);
        List<EvalPrompt.ExpectedObject> objects = new ArrayList<>();
        List<EvalPrompt.Relation> relations = new ArrayList<>();
        List<int[]> placed = new ArrayList<>();
        int n = switch (group) {
            case "one" -> 1;
            case "two", "relation" -> 2;
            case "three" -> 3;
            case "count" -> 2 + random.nextInt(2);
            default -> throw new IllegalArgumentException(group);
        };
        ShapeKind countShape = pick(domain.shapes());
        for (int i = 0; i < n; i++) {
            String colour = group.equals("count") ? colours.getFirst() : colours.get(i);
            ShapeKind shape = group.equals("count") ? countShape : pick(domain.shapes());
            String size = random.nextBoolean() ? pick(new ArrayList<>(domain.sizes().keySet())) : null;
            placed.add(cells.get(i));
            boolean namesCell = group.equals("one") || group.equals("two") || group.equals("three");
            objects.add(new EvalPrompt.ExpectedObject(colour, shape, size,
                    namesCell ? new EvalPrompt.Cell(cells.get(i)[0], cells.get(i)[1]) : null));
        }
        if (group.equals("relation")) {
            int[] a = placed.get(0);
            int[] b = placed.get(1);
            EvalPrompt.RelationKind kind;
            if (a[0] == b[0]) {
                kind = a[1] < b[1] ? EvalPrompt.RelationKind.LEFT_OF : EvalPrompt.RelationKind.RIGHT_OF;
            } else if (a[1] == b[1]) {
                kind = a[0] < b[0] ? EvalPrompt.RelationKind.ABOVE : EvalPrompt.RelationKind.BELOW;
            } else {
                return null; // the domain's relation captions keep both in one row or column
            }
            relations.add(new EvalPrompt.Relation(0, kind, 1));
        }
        List<ShapeRenderer.Drawn> drawn = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EvalPrompt.ExpectedObject o = objects.get(i);
            String sizeName = o.size() != null ? o.size() : pick(new ArrayList<>(domain.sizes().keySet()));
            Domain.SizeRange range = domain.sizes().get(sizeName);
            double h = range.min() + random.nextDouble() * (range.max() - range.min());
            int[] cell = placed.get(i);
            double cx = (cell[1] + 0.5) / domain.grid() * domain.width() + (random.nextDouble() * 2 - 1) * domain.jitter();
            double cy = (cell[0] + 0.5) / domain.grid() * domain.height() + (random.nextDouble() * 2 - 1) * domain.jitter();
            ShapeRenderer.Drawn d = new ShapeRenderer.Drawn(ShapeRenderer.jittered(domain.colours().get(o.colour()), random),
                    o.shape(), h, cx, cy);
            if (drawn.stream().anyMatch(other -> overlaps(d, other))) {
                return null;
            }
            drawn.add(d);
        }
        String id = group + "-" + (next++);
        return new Case(new EvalPrompt(id, group, id, next, objects, relations), drawn);
    }

    /** The same shape moved to a cell (with fresh jitter). */
    ShapeRenderer.Drawn inCell(ShapeRenderer.Drawn d, int row, int col) {
        double cx = (col + 0.5) / domain.grid() * domain.width() + (random.nextDouble() * 2 - 1) * domain.jitter();
        double cy = (row + 0.5) / domain.grid() * domain.height() + (random.nextDouble() * 2 - 1) * domain.jitter();
        return new ShapeRenderer.Drawn(d.colour(), d.shape(), d.halfExtent(), cx, cy);
    }

    /** The cell a drawn shape's centre lies in, as {row, col}. */
    int[] cellOf(ShapeRenderer.Drawn d) {
        return new int[] {(int) (d.cy() * domain.grid() / domain.height()), (int) (d.cx() * domain.grid() / domain.width())};
    }

    /**
     * Whether there is background between any two shapes and each has its centre in the image
     * (shapes may cross the border, as the domain's large ones near it do).
     */
    boolean valid(List<ShapeRenderer.Drawn> drawn) {
        for (int i = 0; i < drawn.size(); i++) {
            ShapeRenderer.Drawn d = drawn.get(i);
            if (d.cx() < 0 || d.cy() < 0 || d.cx() >= domain.width() || d.cy() >= domain.height()) {
                return false;
            }
            for (int j = 0; j < i; j++) {
                if (overlaps(drawn.get(i), drawn.get(j))) {
                    return false;
                }
            }
        }
        return true;
    }

    // One pixel of background at least between any two shapes.
    private static boolean overlaps(ShapeRenderer.Drawn a, ShapeRenderer.Drawn b) {
        java.awt.geom.Area grown = new java.awt.geom.Area(new java.awt.BasicStroke(2f).createStrokedShape(ShapeRenderer.outline(a)));
        grown.add(new java.awt.geom.Area(ShapeRenderer.outline(a)));
        grown.intersect(new java.awt.geom.Area(ShapeRenderer.outline(b)));
        return !grown.isEmpty();
    }

    <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    static Domain demoDomain(int width, int height) {
        java.util.Map<String, Domain.Rgb> colours = new java.util.LinkedHashMap<>();
        colours.put("red", new Domain.Rgb(220, 40, 40));
        colours.put("orange", new Domain.Rgb(245, 140, 30));
        colours.put("yellow", new Domain.Rgb(240, 210, 40));
        colours.put("green", new Domain.Rgb(40, 170, 60));
        colours.put("cyan", new Domain.Rgb(40, 200, 220));
        colours.put("blue", new Domain.Rgb(40, 70, 220));
        colours.put("purple", new Domain.Rgb(140, 50, 190));
        colours.put("black", new Domain.Rgb(30, 30, 30));
        java.util.Map<String, Domain.SizeRange> sizes = new java.util.LinkedHashMap<>();
        double s = width / 64.0;
        sizes.put("small", new Domain.SizeRange(5.0 * s, 6.5 * s));
        sizes.put("medium", new Domain.SizeRange(8.0 * s, 9.5 * s));
        sizes.put("large", new Domain.SizeRange(11.0 * s, 13.0 * s));
        return new Domain(width, height, 222, 255, colours, List.of(ShapeKind.values()), sizes, 3, 3 * s);
    }
}
