package dev.lumen.contracts.layout;

import dev.lumen.contracts.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Reads a layout from untrusted JSON (an API body) strictly: every field has the type the contract
 * says, with no coercion ({@code "0.5"} is not a number, {@code 1.0} is not an integer), unknown
 * fields are refused (a misspelt {@code "captoin"} must not silently vanish), numbers must be
 * finite, and then the {@link LayoutValidator} rules apply. Every problem found is reported at
 * once, each naming its field under the given path.
 */
public final class LayoutJson {
    private static final Set<String> LAYOUT_FIELDS = new TreeSet<>(List.of("caption", "background", "regions", "control"));
    private static final Set<String> REGION_FIELDS = new TreeSet<>(List.of("box", "caption", "id"));
    private static final Set<String> CONTROL_FIELDS = new TreeSet<>(List.of("strength", "until_t", "self_attention", "overlap"));
    private static final int MAX_NAME = 64;

    private LayoutJson() {
    }

    /**
     * Reads and validates a layout.
     *
     * @param node            the JSON value given for the layout
     * @param path            its JSON path for messages, e.g. {@code layout}
     * @param limits          the limits to check
     * @param fallbackCaption used when the layout has no {@code caption} (the job's prompt), or null to require one
     * @throws InvalidLayoutException with every problem found
     */
    public static Layout read(JsonNode node, String path, LayoutLimits limits, String fallbackCaption) {
        List<LayoutProblem> problems = new ArrayList<>();
        Layout layout = shape(node, path, problems);
        if (!problems.isEmpty()) {
            throw new InvalidLayoutException(problems);
        }
        if (layout.caption() == null && fallbackCaption != null) {
            layout = layout.withCaption(fallbackCaption);
        }
        return LayoutValidator.requireValid(layout, limits, path);
    }

    /** The layout as a JSON tree (the wire form). */
    public static JsonNode toTree(Layout layout) {
        return Messages.json().valueToTree(layout);
    }

    /** The layout as compact JSON text (the wire form). */
    public static String toJson(Layout layout) {
        return Messages.json().writeValueAsString(layout);
    }

    /** Checks types and field names, building the layout when they are right. */
    private static Layout shape(JsonNode node, String path, List<LayoutProblem> problems) {
        if (node == null || !node.isObject()) {
            problems.add(new LayoutProblem(path, "must be an object {caption, background?, regions: [{box: [x0, y0, x1, y1],"
                    + " caption, id?}], control?}"));
            return null;
        }
        unknownFields(node, path, LAYOUT_FIELDS, problems);
        String caption = string(node, "caption", path, problems);
        String background = string(node, "background", path, problems);
        List<Region> regions = null;
        JsonNode regionsNode = node.get("regions");
        if (regionsNode == null || regionsNode.isNull()) {
            problems.add(new LayoutProblem(path + ".regions", "is required: an array of regions {box, caption}"));
        } else if (!regionsNode.isArray()) {
            problems.add(new LayoutProblem(path + ".regions", "must be an array of regions {box, caption}"));
        } else {
            regions = new ArrayList<>();
            // Only as many as could ever be valid are read one by one; the count itself is reported by the validator.
            int n = Math.min(regionsNode.size(), LayoutLimits.HARD_MAX_REGIONS + 1);
            for (int i = 0; i < n; i++) {
                regions.add(region(regionsNode.get(i), path + ".regions[" + i + "]", problems));
            }
            for (int i = n; i < regionsNode.size(); i++) {
                regions.add(null);
            }
        }
        Control control = null;
        JsonNode controlNode = node.get("control");
        if (controlNode != null && !controlNode.isNull()) {
            control = control(controlNode, path + ".control", problems);
        }
        return new Layout(caption, background, regions, control);
    }

    private static Region region(JsonNode node, String at, List<LayoutProblem> problems) {
        if (node == null || !node.isObject()) {
            problems.add(new LayoutProblem(at, "must be an object {box: [x0, y0, x1, y1], caption, id?}"));
            return null;
        }
        unknownFields(node, at, REGION_FIELDS, problems);
        String caption = string(node, "caption", at, problems);
        String id = string(node, "id", at, problems);
        Box box = null;
        JsonNode boxNode = node.get("box");
        if (boxNode == null || boxNode.isNull()) {
            problems.add(new LayoutProblem(at + ".box", "is required: [x0, y0, x1, y1] as fractions of the image,"
                    + " origin top-left"));
        } else if (!boxNode.isArray() || boxNode.size() != 4) {
            problems.add(new LayoutProblem(at + ".box", "must be an array of four numbers [x0, y0, x1, y1]"));
        } else {
            double[] v = new double[4];
            boolean ok = true;
            for (int k = 0; k < 4; k++) {
                JsonNode c = boxNode.get(k);
                if (!c.isNumber()) {
                    problems.add(new LayoutProblem(at + ".box." + Box.NAMES[k], "must be a number, not " + kind(c)));
                    ok = false;
                } else {
                    v[k] = c.asDouble(); // 1e400 becomes Infinity here and is refused by the validator
                }
            }
            if (ok) {
                box = new Box(v[0], v[1], v[2], v[3]);
            }
        }
        return new Region(box, caption, id);
    }

    private static Control control(JsonNode node, String at, List<LayoutProblem> problems) {
        if (!node.isObject()) {
            problems.add(new LayoutProblem(at, "must be an object {strength?, until_t?, self_attention?, overlap?}"));
            return null;
        }
        unknownFields(node, at, CONTROL_FIELDS, problems);
        Double strength = null;
        JsonNode s = node.get("strength");
        if (s != null && !s.isNull()) {
            if (!s.isNumber()) {
                problems.add(new LayoutProblem(at + ".strength", "must be a number within 0..1, not " + kind(s)));
            } else {
                strength = s.asDouble();
            }
        }
        Integer untilT = null;
        JsonNode t = node.get("until_t");
        if (t != null && !t.isNull()) {
            if (!t.isIntegralNumber() || !t.canConvertToInt()) {
                problems.add(new LayoutProblem(at + ".until_t", "must be an integer timestep within 0.."
                        + Control.MAX_UNTIL_T + ", not " + kind(t)));
            } else {
                untilT = t.asInt();
            }
        }
        Boolean selfAttention = null;
        JsonNode a = node.get("self_attention");
        if (a != null && !a.isNull()) {
            if (!a.isBoolean()) {
                problems.add(new LayoutProblem(at + ".self_attention", "must be true or false, not " + kind(a)));
            } else {
                selfAttention = a.asBoolean();
            }
        }
        Overlap overlap = null;
        JsonNode o = node.get("overlap");
        if (o != null && !o.isNull()) {
            overlap = o.isString() ? Overlap.fromWire(o.asString()) : null;
            if (overlap == null) {
                problems.add(new LayoutProblem(at + ".overlap", "must be one of " + Overlap.wireNames() + ", not "
                        + kind(o)));
            }
        }
        return new Control(strength, untilT, selfAttention, overlap);
    }

    private static String string(JsonNode node, String field, String at, List<LayoutProblem> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            problems.add(new LayoutProblem(at + "." + field, "must be a string, not " + kind(v)));
            return null;
        }
        return v.asString();
    }

    private static void unknownFields(JsonNode node, String at, Set<String> known, List<LayoutProblem> problems) {
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                String shown = name.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME) + "…";
                problems.add(new LayoutProblem(at + "." + shown, "is not a known field; known: " + known));
            }
        }
    }

    /** What a wrong value is, for messages: its JSON type and, when short, the value. */
    private static String kind(JsonNode v) {
        String type = v.isString() ? "a string" : v.isBoolean() ? "a boolean" : v.isArray() ? "an array"
                : v.isObject() ? "an object" : v.isNumber() ? "the number" : "null";
        if (v.isString() || v.isNumber()) {
            String text = v.isString() ? "\"" + v.asString() + "\"" : v.asString();
            return type + " " + (text.length() <= 40 ? text : text.substring(0, 40) + "…");
        }
        return type;
    }
}
