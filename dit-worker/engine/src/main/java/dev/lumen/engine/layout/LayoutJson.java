package dev.lumen.engine.layout;

import dev.lumen.engine.layout.RegionalLayout.Box;
import dev.lumen.engine.layout.RegionalLayout.Control;
import dev.lumen.engine.layout.RegionalLayout.Overlap;
import dev.lumen.engine.layout.RegionalLayout.Region;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The layout JSON of layout.md §4 ↔ {@link RegionalLayout}:
 * <pre>{@code
 * {"caption": "...", "background": "...",
 *  "regions": [{"box": [x0, y0, x1, y1], "caption": "...", "id": "optional"}, ...],
 *  "control": {"strength": 0.8, "until_t": 600, "self_attention": true, "overlap": "smallest-wins"}}
 * }</pre>
 * {@code background}, {@code control} and each of its fields are optional (defaults of
 * {@link Control#DEFAULTS}). A layout-service response ({@code {"layout": {...}, "planner": ...}})
 * is accepted too: only its {@code layout} is read. Reading is strict: unknown fields, wrong types
 * and non-finite numbers are errors naming the field; region {@code id}s are accepted and not kept
 * (they are an API concern).
 */
public final class LayoutJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> LAYOUT_FIELDS = Set.of("caption", "background", "regions", "control");
    private static final Set<String> REGION_FIELDS = Set.of("box", "caption", "id");
    private static final Set<String> CONTROL_FIELDS = Set.of("strength", "until_t", "self_attention", "overlap");

    private LayoutJson() {
    }

    /** Reads a layout JSON file; errors name the file and the field. */
    public static RegionalLayout read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new LayoutException("", "layout file " + file + " does not exist");
        } catch (IOException e) {
            throw new LayoutException("", "cannot read layout file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (LayoutException e) {
            throw new LayoutException(e.field(), "in " + file + ": " + problemOf(e), e);
        }
    }

    private static String problemOf(LayoutException e) {
        String m = e.getMessage();
        return e.field().isEmpty() ? m : m.substring(e.field().length() + 2);
    }

    /** Parses layout JSON text. */
    public static RegionalLayout parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new LayoutException("", "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new LayoutException("", "a layout must be a JSON object");
        }
        if (!root.has("caption") && root.has("layout")) {
            // A layout-service response: the engine reads only its layout.
            root = root.get("layout");
            if (!root.isObject()) {
                throw new LayoutException("layout", "must be a JSON object");
            }
        }
        return fromNode(root);
    }

    private static RegionalLayout fromNode(JsonNode root) {
        checkFields(root, "", LAYOUT_FIELDS);
        String caption = requiredString(root, "caption", "caption");
        String background = optionalString(root, "background", "background");
        JsonNode regionsNode = root.get("regions");
        if (regionsNode == null || regionsNode.isNull()) {
            throw new LayoutException("regions", "at least one region is required");
        }
        if (!regionsNode.isArray()) {
            throw new LayoutException("regions", "must be an array of {box, caption}");
        }
        List<Region> regions = new ArrayList<>();
        for (int i = 0; i < regionsNode.size(); i++) {
            String field = "regions[" + i + "]";
            JsonNode r = regionsNode.get(i);
            if (!r.isObject()) {
                throw new LayoutException(field, "must be an object {box, caption}");
            }
            checkFields(r, field + ".", REGION_FIELDS);
            if (r.has("id") && !r.get("id").isString() && !r.get("id").isNull()) {
                throw new LayoutException(field + ".id", "must be a string");
            }
            regions.add(new Region(box(r.get("box"), field + ".box"), requiredString(r, "caption", field + ".caption")));
        }
        return new RegionalLayout(caption, background, regions, control(root.get("control")));
    }

    private static Box box(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw new LayoutException(field, "a box [x0, y0, x1, y1] is required");
        }
        if (!node.isArray() || node.size() != 4) {
            throw new LayoutException(field, "must be an array of four numbers [x0, y0, x1, y1], got " + node);
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            JsonNode n = node.get(i);
            if (!n.isNumber()) {
                throw new LayoutException(field, "must be an array of four numbers [x0, y0, x1, y1], got " + node);
            }
            v[i] = n.asDouble();
        }
        return new Box(v[0], v[1], v[2], v[3]);
    }

    private static Control control(JsonNode node) {
        Control d = Control.DEFAULTS;
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            throw new LayoutException("control", "must be an object");
        }
        checkFields(node, "control.", CONTROL_FIELDS);
        double strength = d.strength();
        if (present(node, "strength")) {
            JsonNode n = node.get("strength");
            if (!n.isNumber()) {
                throw new LayoutException("control.strength", "must be a number in [0, 1], got " + n);
            }
            strength = n.asDouble();
        }
        int untilT = d.untilT();
        if (present(node, "until_t")) {
            JsonNode n = node.get("until_t");
            if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble()) || Math.abs(n.asDouble()) > Integer.MAX_VALUE) {
                throw new LayoutException("control.until_t", "must be an integer timestep, got " + n);
            }
            untilT = (int) n.asDouble();
        }
        boolean selfAttention = d.selfAttention();
        if (present(node, "self_attention")) {
            JsonNode n = node.get("self_attention");
            if (!n.isBoolean()) {
                throw new LayoutException("control.self_attention", "must be true or false, got " + n);
            }
            selfAttention = n.asBoolean();
        }
        Overlap overlap = d.overlap();
        if (present(node, "overlap")) {
            overlap = overlap(node.get("overlap"));
        }
        return new Control(strength, untilT, selfAttention, overlap);
    }

    private static Overlap overlap(JsonNode n) {
        if (n.isString()) {
            for (Overlap o : Overlap.values()) {
                if (o.jsonName().equals(n.asString())) {
                    return o;
                }
            }
            if (n.asString().equals("union")) {
                throw new LayoutException("control.overlap", "\"union\" (layout.md §3.4 variant) is not supported by "
                        + "this engine; use \"smallest-wins\"");
            }
        }
        throw new LayoutException("control.overlap", "must be \"smallest-wins\", got " + n);
    }

    private static boolean present(JsonNode node, String name) {
        JsonNode n = node.get(name);
        return n != null && !n.isNull();
    }

    private static void checkFields(JsonNode node, String prefix, Set<String> known) {
        Iterator<String> names = node.propertyNames().iterator();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new LayoutException(prefix + name, "unknown field (known: " + String.join(", ", known.stream().sorted().toList())
                        + ")");
            }
        }
    }

    private static String requiredString(JsonNode node, String name, String field) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            throw new LayoutException(field, "a caption is required");
        }
        if (!n.isString()) {
            throw new LayoutException(field, "must be a string, got " + n);
        }
        return n.asString();
    }

    private static String optionalString(JsonNode node, String name, String field) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isString()) {
            throw new LayoutException(field, "must be a string, got " + n);
        }
        return n.asString();
    }

    /** The layout as compact layout JSON (every field, control included), e.g. for image metadata. */
    public static String write(RegionalLayout layout) {
        ObjectNode root = JSON.createObjectNode();
        root.put("caption", layout.caption());
        if (layout.background() != null) {
            root.put("background", layout.background());
        }
        ArrayNode regions = root.putArray("regions");
        for (Region r : layout.regions()) {
            ObjectNode o = regions.addObject();
            ArrayNode box = o.putArray("box");
            box.add(r.box().x0()).add(r.box().y0()).add(r.box().x1()).add(r.box().y1());
            o.put("caption", r.caption());
        }
        ObjectNode c = root.putObject("control");
        c.put("strength", layout.control().strength());
        c.put("until_t", layout.control().untilT());
        c.put("self_attention", layout.control().selfAttention());
        c.put("overlap", layout.control().overlap().jsonName());
        return root.toString();
    }
}
