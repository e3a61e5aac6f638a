package dev.lumen.eval;

import java.util.List;

/**
 * One caption of an eval set with the seed it is generated from and what the image must show:
 * the objects (colour, shape, optional size class and 3×3 cell) and the relations between them.
 */
public record EvalPrompt(String id, String group, String caption, long seed, List<ExpectedObject> objects,
                         List<Relation> relations) {

    public EvalPrompt {
        objects = List.copyOf(objects);
        relations = List.copyOf(relations);
    }

    /**
     * An object the caption asks for. {@code size} null: the caption names no size (any is fine);
     * {@code cell} null: it names no place.
     */
    public record ExpectedObject(String colour, ShapeKind shape, String size, Cell cell) {
    }

    /** A grid cell, row 0 at the top, column 0 on the left. */
    public record Cell(int row, int col) {
    }

    /** "{@code objects[subject]} {@code kind} {@code objects[object]}", e.g. a blue square above a yellow triangle. */
    public record Relation(int subject, RelationKind kind, int object) {
    }

    /** The four relations captions use, spelt as in the eval-set files. */
    public enum RelationKind {
        LEFT_OF("left of"),
        RIGHT_OF("right of"),
        ABOVE("above"),
        BELOW("below");

        private final String jsonName;

        RelationKind(String jsonName) {
            this.jsonName = jsonName;
        }

        public String jsonName() {
            return jsonName;
        }

        static RelationKind byName(String name) {
            for (RelationKind k : values()) {
                if (k.jsonName.equals(name)) {
                    return k;
                }
            }
            return null;
        }

        /**
         * Whether a subject centred at (sx, sy) stands in this relation to an object at (ox, oy)
         * with at least {@code margin} pixels to spare (y grows downwards).
         */
        public boolean holds(double sx, double sy, double ox, double oy, double margin) {
            return switch (this) {
                case LEFT_OF -> ox - sx >= margin;
                case RIGHT_OF -> sx - ox >= margin;
                case ABOVE -> oy - sy >= margin;
                case BELOW -> sy - oy >= margin;
            };
        }
    }
}
