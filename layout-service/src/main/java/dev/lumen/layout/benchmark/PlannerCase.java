package dev.lumen.layout.benchmark;

import java.util.List;

/**
 * One text of the planner's benchmark with what a correct layout must show, written independently
 * of the planner: the objects (by their region caption, "a red ball", and how many), relations
 * between objects (by index), absolute places and arrangements of counted objects.
 */
public record PlannerCase(String id, String group, String text, List<Expected> objects, List<Relation> relations,
                          List<Place> places, List<Arrangement> arrangements) {
    public PlannerCase {
        objects = List.copyOf(objects);
        relations = relations == null ? List.of() : List.copyOf(relations);
        places = places == null ? List.of() : List.copyOf(places);
        arrangements = arrangements == null ? List.of() : List.copyOf(arrangements);
    }

    /** An object: its singular region caption and count. */
    public record Expected(String caption, int count) {
    }

    /** Object {@code a} stands in relation {@code type} to {@code b} (and {@code c} for between). */
    public record Relation(int a, String type, int b, Integer c) {
    }

    /** Object {@code object} lies at {@code pos} (left, top-right, center, …). */
    public record Place(int object, String pos) {
    }

    /** The instances of object {@code object} form a {@code type} (row, column, grid). */
    public record Arrangement(int object, String type) {
    }
}
