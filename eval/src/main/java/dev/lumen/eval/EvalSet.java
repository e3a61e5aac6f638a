package dev.lumen.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An eval set: the domain ({@code domain.json}) and the seeded prompts ({@code prompts.json}) of a
 * demo model's {@code eval/} folder, checked against each other (every colour, shape and size a
 * prompt names exists in the domain, cells lie on the grid, relations point at objects).
 */
public record EvalSet(Domain domain, List<EvalPrompt> prompts) {
    public static final String DOMAIN_FILE = "domain.json";
    public static final String PROMPTS_FILE = "prompts.json";

    // Ids name the image files (<id>.png), so they stay portable file names.
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public EvalSet {
        prompts = List.copyOf(prompts);
    }

    /** Loads {@code dir/domain.json} and {@code dir/prompts.json}. */
    public static EvalSet load(Path dir) {
        Domain domain = Domain.load(dir.resolve(DOMAIN_FILE));
        return new EvalSet(domain, loadPrompts(dir.resolve(PROMPTS_FILE), domain));
    }

    /** Reads {@code prompts.json}, checking every prompt against the domain. */
    public static List<EvalPrompt> loadPrompts(Path file, Domain domain) {
        JsonFields root = JsonFields.read(file);
        root.requireVersion(1);
        List<EvalPrompt> prompts = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (JsonFields p : root.objects("prompts")) {
            String id = p.string("id");
            if (!ID.matcher(id).matches()) {
                throw p.error("id", "must be letters, digits, '.', '_' or '-' (it names the image file), found \"" + id + "\"");
            }
            if (!ids.add(id)) {
                throw p.error("id", "repeats \"" + id + "\"; ids must be unique");
            }
            String group = p.string("group");
            if (group.isBlank()) {
                throw p.error("group", "must not be empty");
            }
            List<EvalPrompt.ExpectedObject> objects = new ArrayList<>();
            for (JsonFields o : p.objects("objects")) {
                objects.add(object(o, domain));
            }
            if (objects.isEmpty()) {
                throw p.error("objects", "must list at least one object");
            }
            List<EvalPrompt.Relation> relations = new ArrayList<>();
            if (!p.isNull("relations")) {
                for (JsonFields r : p.objects("relations")) {
                    relations.add(relation(r, objects.size()));
                }
            }
            prompts.add(new EvalPrompt(id, group, p.string("caption"), p.integer("seed"), objects, relations));
        }
        if (prompts.isEmpty()) {
            throw root.error("prompts", "must list at least one prompt");
        }
        return prompts;
    }

    private static EvalPrompt.ExpectedObject object(JsonFields o, Domain domain) {
        String colour = o.string("colour");
        if (!domain.colours().containsKey(colour)) {
            throw o.error("colour", "names \"" + colour + "\", which is not in the domain's colours "
                    + domain.colours().keySet());
        }
        String shapeName = o.string("shape");
        ShapeKind shape = ShapeKind.byName(shapeName);
        if (shape == null || !domain.shapes().contains(shape)) {
            throw o.error("shape", "names \"" + shapeName + "\", which is not in the domain's shapes "
                    + domain.shapes().stream().map(ShapeKind::jsonName).toList());
        }
        String size = o.stringOrNull("size");
        if (size != null && !domain.sizes().containsKey(size)) {
            throw o.error("size", "names \"" + size + "\", which is not in the domain's sizes "
                    + domain.sizes().keySet() + " (use null for an unnamed size)");
        }
        int[] cell = o.integersOrNull("cell", 2);
        if (cell != null && (cell[0] < 0 || cell[0] >= domain.grid() || cell[1] < 0 || cell[1] >= domain.grid())) {
            throw o.error("cell", "[" + cell[0] + ", " + cell[1] + "] is off the " + domain.grid() + "×"
                    + domain.grid() + " grid");
        }
        return new EvalPrompt.ExpectedObject(colour, shape, size, cell == null ? null : new EvalPrompt.Cell(cell[0], cell[1]));
    }

    private static EvalPrompt.Relation relation(JsonFields r, int objectCount) {
        int subject = index(r, "subject", objectCount);
        int object = index(r, "object", objectCount);
        if (subject == object) {
            throw r.error("object", "must differ from \"subject\" (" + subject + ")");
        }
        String name = r.string("relation");
        EvalPrompt.RelationKind kind = EvalPrompt.RelationKind.byName(name);
        if (kind == null) {
            throw r.error("relation", "names \"" + name + "\"; expected one of "
                    + java.util.Arrays.stream(EvalPrompt.RelationKind.values()).map(EvalPrompt.RelationKind::jsonName).toList());
        }
        return new EvalPrompt.Relation(subject, kind, object);
    }

    private static int index(JsonFields r, String field, int objectCount) {
        int i = r.smallInteger(field);
        if (i < 0 || i >= objectCount) {
            throw r.error(field, "is " + i + ", but the prompt has objects 0.." + (objectCount - 1));
        }
        return i;
    }

    /**
     * The prompts of the given groups (all groups when {@code groups} is empty), in file order, at
     * most {@code perGroup} of each group (0: no limit) so that a quick run still sees every group.
     */
    public List<EvalPrompt> select(List<String> groups, int perGroup) {
        Set<String> known = new java.util.LinkedHashSet<>();
        prompts.forEach(p -> known.add(p.group()));
        for (String g : groups) {
            if (!known.contains(g)) {
                throw new IllegalArgumentException("no prompt is in group \"" + g + "\"; the eval set's groups are " + known);
            }
        }
        java.util.Map<String, Integer> taken = new java.util.HashMap<>();
        List<EvalPrompt> chosen = new ArrayList<>();
        for (EvalPrompt p : prompts) {
            if ((groups.isEmpty() || groups.contains(p.group()))
                    && (perGroup <= 0 || taken.merge(p.group(), 1, Integer::sum) <= perGroup)) {
                chosen.add(p);
            }
        }
        return chosen;
    }
}
