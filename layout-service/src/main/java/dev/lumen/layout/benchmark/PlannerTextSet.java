package dev.lumen.layout.benchmark;

import dev.lumen.layout.benchmark.PlannerCase.Arrangement;
import dev.lumen.layout.benchmark.PlannerCase.Expected;
import dev.lumen.layout.benchmark.PlannerCase.Place;
import dev.lumen.layout.benchmark.PlannerCase.Relation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;

/**
 * The planner's benchmark texts: a hand-written set ({@code planner-texts.v1.json}: the coloured-
 * shapes texts of {@code layout.md} §7.2 such as "a red ball to the left of a blue cube" and
 * "three yellow stars in a row", and everyday scenes), plus texts generated from the demo domain's
 * grammar (issue 7: colours red … black; circle, square, triangle; small, large; nine places with
 * their synonyms and terse forms; left of, right of, above, below; counts one to three) with a
 * fixed seed, each with its expectations by construction. Same seed, same texts on every JVM
 * ({@link Random} is specified).
 */
public final class PlannerTextSet {
    public static final long DEFAULT_SEED = 20_261_122L;
    public static final int DEFAULT_GENERATED = 240;

    private static final String[] COLOURS = {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "black"};
    private static final String[] SHAPES = {"circle", "square", "triangle"};
    private static final String[] SIZES = {null, null, "small", "large"};
    /** Places: the wire name, then ways a caption says it. */
    private static final String[][] PLACES = {
            {"top-left", "top left", "upper left", "top left corner"},
            {"top", "top", "top center", "top middle"},
            {"top-right", "top right", "upper right", "top right corner"},
            {"left", "left", "left side"},
            {"center", "center", "middle", "centre"},
            {"right", "right", "right side"},
            {"bottom-left", "bottom left", "lower left", "bottom left corner"},
            {"bottom", "bottom", "bottom center", "bottom middle"},
            {"bottom-right", "bottom right", "lower right", "bottom right corner"}};
    private static final String[][] RELATIONS = {
            {"left_of", "to the left of", "left of"},
            {"right_of", "to the right of", "right of"},
            {"above", "above"},
            {"below", "below"}};
    private static final String[] COUNT_WORDS = {null, "one", "two", "three"};

    private PlannerTextSet() {
    }

    /** The hand-written texts and {@value #DEFAULT_GENERATED} generated ones with the default seed. */
    public static List<PlannerCase> standard() {
        List<PlannerCase> all = new ArrayList<>(handWritten());
        all.addAll(demoDomain(DEFAULT_SEED, DEFAULT_GENERATED));
        return all;
    }

    /** The hand-written texts. */
    public static List<PlannerCase> handWritten() {
        try (InputStream in = PlannerTextSet.class.getResourceAsStream("planner-texts.v1.json")) {
            if (in == null) {
                throw new IllegalStateException("planner-texts.v1.json is missing from the class path");
            }
            return Arrays.asList(JsonMapper.builder().build().readValue(in, PlannerCase[].class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} texts from the demo domain's grammar, cycling through its groups. */
    public static List<PlannerCase> demoDomain(long seed, int n) {
        Random random = new Random(seed);
        List<PlannerCase> out = new ArrayList<>();
        String[] groups = {"one", "two", "relation", "three", "count"};
        for (int i = 0; i < n; i++) {
            String group = groups[i % groups.length];
            String id = "demo-" + group + "-" + String.format("%03d", i);
            out.add(switch (group) {
                case "one" -> one(id, random);
                case "two" -> two(id, random);
                case "relation" -> relation(id, random);
                case "three" -> three(id, random);
                default -> count(id, random);
            });
        }
        return out;
    }

    private record Shape(String size, String colour, String shape) {
        String words() {
            return (size == null ? "" : size + " ") + colour + " " + shape;
        }

        String caption() {
            return article(words()) + " " + words();
        }
    }

    private static Shape shape(Random r, List<String> usedColours) {
        String colour;
        do {
            colour = COLOURS[r.nextInt(COLOURS.length)];
        } while (usedColours.contains(colour));
        usedColours.add(colour);
        return new Shape(SIZES[r.nextInt(SIZES.length)], colour, SHAPES[r.nextInt(SHAPES.length)]);
    }

    private static String say(Random r, String[] place) {
        return place[1 + r.nextInt(place.length - 1)];
    }

    private static PlannerCase one(String id, Random r) {
        Shape s = shape(r, new ArrayList<>());
        String[] place = PLACES[r.nextInt(PLACES.length)];
        String where = say(r, place);
        String text = switch (r.nextInt(6)) {
            case 0 -> s.caption() + " in the " + where;
            case 1 -> s.words() + ", " + where;
            case 2 -> s.caption() + " at the " + where;
            case 3 -> "in the " + where + ", " + s.caption();
            case 4 -> "there is " + s.caption() + " in the " + where + " of the image";
            default -> "in the " + where + " there is " + s.caption();
        };
        return new PlannerCase(id, "one", text, List.of(new Expected(s.caption(), 1)), null,
                List.of(new Place(0, place[0])), null);
    }

    private static PlannerCase two(String id, Random r) {
        List<String> colours = new ArrayList<>();
        Shape a = shape(r, colours);
        Shape b = shape(r, colours);
        int pa = r.nextInt(PLACES.length);
        int pb;
        do {
            pb = r.nextInt(PLACES.length);
        } while (pb == pa);
        String wa = say(r, PLACES[pa]);
        String wb = say(r, PLACES[pb]);
        String text = switch (r.nextInt(3)) {
            case 0 -> a.caption() + " in the " + wa + " and " + b.caption() + " in the " + wb;
            case 1 -> a.words() + ", " + wa + "; " + b.words() + ", " + wb;
            default -> a.caption() + " at the " + wa + ", " + b.caption() + " at the " + wb;
        };
        return new PlannerCase(id, "two", text, List.of(new Expected(a.caption(), 1), new Expected(b.caption(), 1)), null,
                List.of(new Place(0, PLACES[pa][0]), new Place(1, PLACES[pb][0])), null);
    }

    private static PlannerCase relation(String id, Random r) {
        List<String> colours = new ArrayList<>();
        Shape a = shape(r, colours);
        Shape b = shape(r, colours);
        String[] rel = RELATIONS[r.nextInt(RELATIONS.length)];
        String says = rel[1 + r.nextInt(rel.length - 1)];
        String text = switch (r.nextInt(4)) {
            case 0, 1 -> a.caption() + " " + says + " " + b.caption();
            case 2 -> "the " + a.words() + " is " + says + " the " + b.words();
            default -> a.caption() + " which is " + says + " " + b.caption();
        };
        return new PlannerCase(id, "relation", text, List.of(new Expected(a.caption(), 1), new Expected(b.caption(), 1)),
                List.of(new Relation(0, rel[0], 1, null)), null, null);
    }

    private static PlannerCase three(String id, Random r) {
        List<String> colours = new ArrayList<>();
        Shape a = shape(r, colours);
        Shape b = shape(r, colours);
        Shape c = shape(r, colours);
        List<Expected> objects = List.of(new Expected(a.caption(), 1), new Expected(b.caption(), 1),
                new Expected(c.caption(), 1));
        if (r.nextBoolean()) {
            return new PlannerCase(id, "three", a.caption() + ", " + b.caption() + " and " + c.caption(), objects, null,
                    null, null);
        }
        int row = r.nextInt(3);
        String[] left = PLACES[row * 3];
        String[] middle = PLACES[row * 3 + 1];
        String[] right = PLACES[row * 3 + 2];
        String text = a.caption() + " in the " + say(r, left) + ", " + b.caption() + " in the " + say(r, middle) + " and "
                + c.caption() + " in the " + say(r, right);
        return new PlannerCase(id, "three", text, objects, null,
                List.of(new Place(0, left[0]), new Place(1, middle[0]), new Place(2, right[0])), null);
    }

    private static PlannerCase count(String id, Random r) {
        int n = 2 + r.nextInt(2);
        String colour = COLOURS[r.nextInt(COLOURS.length)];
        String shape = SHAPES[r.nextInt(SHAPES.length)];
        String caption = article(colour) + " " + colour + " " + shape;
        StringBuilder text = new StringBuilder(COUNT_WORDS[n] + " " + colour + " " + shape + "s");
        List<Arrangement> arrangements = new ArrayList<>();
        List<Place> places = new ArrayList<>();
        switch (r.nextInt(6)) {
            case 0 -> {
                text.append(" in a row");
                arrangements.add(new Arrangement(0, "row"));
            }
            case 4 -> {
                text.append(" side by side");
                arrangements.add(new Arrangement(0, "row"));
            }
            case 5 -> {
                text.insert(0, "on the right side, ");
                places.add(new Place(0, "right"));
            }
            case 1 -> {
                text.append(" at the top");
                places.add(new Place(0, "top"));
            }
            case 2 -> {
                text.append(" on the left");
                places.add(new Place(0, "left"));
            }
            default -> {
            }
        }
        return new PlannerCase(id, "count", text.toString(), List.of(new Expected(caption, n)), null, places, arrangements);
    }

    private static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
