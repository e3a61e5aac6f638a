package dev.lumen.contracts.density;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One rule of an explicit token-density plan, as a request states it: the denoising steps whose
 * timestep t lies in {@code [fromTimestep, toTimestep)} and the blocks {@code firstBlock…lastBlock}
 * (inclusive) run {@code op}. {@code index} is the rule's position in its list, which messages
 * name. A rule without {@code "blocks"} covers every block ({@code lastBlock} = {@link #LAST});
 * without {@code "t"}, every timestep. Whether the blocks exist is a question for the model, which
 * the engine answers when it compiles the plan.
 *
 * <p>JSON form: {@code {"t": [500, 1000], "blocks": "2-25", "op": "kv_pool", "s": 4, "mode": "avg"}};
 * {@code op} is one of {@code dense, kv_pool, kv_pool_local, mean_v, coarse}; {@code s} (2 or 4,
 * default 2) is the cell side of the pooling ops, {@code mode} ({@code avg} by default or
 * {@code nearest}) belongs to {@code kv_pool} only, {@code window} (2…64) is required by
 * {@code kv_pool_local}, and {@code mean_v} must carry {@code "experimental": true}. {@code blocks}
 * may also be a block number or {@code [first, last]}.
 */
public record DensityRuleSpec(int index, int fromTimestep, int toTimestep, int firstBlock, int lastBlock, Op op) {

    /** {@code lastBlock} of a rule that runs to the model's last block. */
    public static final int LAST = Integer.MAX_VALUE;
    /** Timesteps are in [0, 1000) for every published PixArt scheduler. */
    public static final int TIMESTEPS = 1000;
    public static final int MAX_WINDOW = 64;
    /** Block numbers beyond any PixArt model (28 blocks); which blocks exist is the model's to say. */
    public static final int MAX_BLOCK = 9999;
    private static final Set<Integer> CELLS = Set.of(2, 4);
    private static final Set<String> FIELDS = new TreeSet<>(Set.of("t", "blocks", "op", "s", "mode", "window",
            "experimental"));
    private static final String OPS = "dense, kv_pool, kv_pool_local, mean_v, coarse";

    /** How pooled tokens stand for their cell: the cell's mean, or its top-left token. */
    public enum Pooling {
        AVG, NEAREST;

        public String label() {
            return this == AVG ? "avg" : "nearest";
        }
    }

    /** What the rule's blocks do with their image tokens (the engine's operators, docs/adr/0009). */
    public sealed interface Op {
        /** The {@code "op"} of the rule. */
        String name();

        /** Whether a rule must flag it {@code "experimental": true}. */
        default boolean experimental() {
            return false;
        }
    }

    public record Dense() implements Op {
        @Override
        public String name() {
            return "dense";
        }
    }

    public record KvPool(int cell, Pooling mode) implements Op {
        @Override
        public String name() {
            return "kv_pool";
        }
    }

    public record KvPoolLocal(int cell, int window) implements Op {
        @Override
        public String name() {
            return "kv_pool_local";
        }
    }

    public record MeanV() implements Op {
        @Override
        public String name() {
            return "mean_v";
        }

        @Override
        public boolean experimental() {
            return true;
        }
    }

    public record Coarse(int cell) implements Op {
        @Override
        public String name() {
            return "coarse";
        }
    }

    public DensityRuleSpec {
        if (fromTimestep < 0 || toTimestep > TIMESTEPS || fromTimestep >= toTimestep || firstBlock < 0
                || firstBlock > lastBlock || (lastBlock == LAST && firstBlock != 0) || op == null) {
            throw new IllegalArgumentException("not a density rule: t [" + fromTimestep + ", " + toTimestep + "), blocks "
                    + firstBlock + "-" + lastBlock + ", op " + op);
        }
    }

    /** Whether the rule names no blocks, and so covers all of them. */
    public boolean coversEveryBlock() {
        return firstBlock == 0 && lastBlock == LAST;
    }

    /** {@code token_density rules[2] (kv_pool)}: how messages name this rule. */
    public String name() {
        return name(index, op.name());
    }

    /** The JSON path of one of this rule's fields, e.g. {@code token_density.rules[2].blocks}. */
    public String field(String field) {
        return field(index, field);
    }

    /** The rule in canonical JSON: {@code op} first, defaults spelt out, {@code t} and {@code blocks} only when they narrow it. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("op", op.name());
        if (fromTimestep != 0 || toTimestep != TIMESTEPS) {
            json.putArray("t").add(fromTimestep).add(toTimestep);
        }
        if (!coversEveryBlock()) {
            json.put("blocks", firstBlock == lastBlock ? Integer.toString(firstBlock) : firstBlock + "-" + lastBlock);
        }
        switch (op) {
            case KvPool p -> json.put("s", p.cell()).put("mode", p.mode().label());
            case KvPoolLocal p -> json.put("s", p.cell()).put("window", p.window());
            case Coarse c -> json.put("s", c.cell());
            case MeanV _ -> json.put("experimental", true);
            case Dense _ -> {
            }
        }
        return json;
    }

    /**
     * Reads rule {@code index} of a rules list, checking everything that does not depend on the
     * model: field names and types, the op and its parameters, the timestep and block ranges.
     *
     * @throws InvalidDensityException naming the rule and the field
     */
    public static DensityRuleSpec read(int index, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidDensityException(field(index, null), name(index, null) + " must be an object like "
                    + "{\"t\": [0, 1000], \"blocks\": \"14-27\", \"op\": \"kv_pool\", \"s\": 2}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            String field = it.next().getKey();
            if (!FIELDS.contains(field)) {
                throw new InvalidDensityException(field(index, null), name(index, null) + " has an unknown field \""
                        + clip(field) + "\" (known: " + String.join(", ", FIELDS) + ")");
            }
        }
        JsonNode opNode = node.get("op");
        if (opNode == null || !opNode.isString()) {
            throw new InvalidDensityException(field(index, "op"), name(index, null) + " needs \"op\": one of " + OPS);
        }
        String op = opNode.asString();
        if (!Set.of("dense", "kv_pool", "kv_pool_local", "mean_v", "coarse").contains(op)) {
            throw new InvalidDensityException(field(index, "op"), name(index, null) + ": unknown op \"" + clip(op)
                    + "\" (one of " + OPS + ")");
        }
        Rule self = new Rule(index, op);
        int[] t = timesteps(self, node.get("t"));
        int[] blocks = blocks(self, node.get("blocks"));
        boolean hasCell = node.has("s");
        int cell = hasCell ? self.integer("s", node.get("s")) : 2;
        if (!CELLS.contains(cell)) {
            throw self.invalid("s", ": \"s\" must be 2 or 4, got " + cell);
        }
        JsonNode modeNode = node.get("mode");
        JsonNode windowNode = node.get("window");
        boolean experimental = false;
        if (node.has("experimental")) {
            if (!node.get("experimental").isBoolean()) {
                throw self.invalid("experimental", ": \"experimental\" must be true or false");
            }
            experimental = node.get("experimental").asBoolean();
        }
        if (modeNode != null && !op.equals("kv_pool")) {
            throw self.invalid("mode", ": \"mode\" belongs to kv_pool only");
        }
        if (windowNode != null && !op.equals("kv_pool_local")) {
            throw self.invalid("window", ": \"window\" belongs to kv_pool_local only");
        }
        if (hasCell && (op.equals("dense") || op.equals("mean_v"))) {
            throw self.invalid("s", ": \"s\" does not apply to " + op);
        }
        Op parsed = switch (op) {
            case "dense" -> new Dense();
            case "kv_pool" -> new KvPool(cell, mode(self, modeNode));
            case "kv_pool_local" -> {
                if (windowNode == null) {
                    throw self.invalid("window", " needs \"window\": the side of the local tiles in tokens (2…"
                            + MAX_WINDOW + ")");
                }
                int window = self.integer("window", windowNode);
                if (window < 2 || window > MAX_WINDOW) {
                    throw self.invalid("window", ": \"window\" must be in 2…" + MAX_WINDOW + ", got " + window);
                }
                yield new KvPoolLocal(cell, window);
            }
            case "mean_v" -> new MeanV();
            default -> new Coarse(cell);
        };
        if (parsed.experimental() && !experimental) {
            throw self.invalid("experimental", " is experimental (no fidelity measured on PixArt yet): "
                    + "add \"experimental\": true to use it");
        }
        return new DensityRuleSpec(index, t[0], t[1], blocks[0], blocks[1], parsed);
    }

    private static int[] timesteps(Rule self, JsonNode node) {
        if (node == null) {
            return new int[] {0, TIMESTEPS};
        }
        if (!node.isArray() || node.size() != 2) {
            throw self.invalid("t", ": \"t\" must be [from, to], the timesteps from ≤ t < to");
        }
        int from = self.integer("t", node.get(0));
        int to = self.integer("t", node.get(1));
        if (from < 0 || to > TIMESTEPS || from >= to) {
            throw self.invalid("t", ": \"t\" [" + from + ", " + to + "] must satisfy 0 ≤ from < to ≤ " + TIMESTEPS);
        }
        return new int[] {from, to};
    }

    private static int[] blocks(Rule self, JsonNode node) {
        if (node == null) {
            return new int[] {0, LAST};
        }
        int first;
        int last;
        if (node.isIntegralNumber()) {
            first = last = self.integer("blocks", node);
        } else if (node.isArray() && node.size() == 2) {
            first = self.integer("blocks", node.get(0));
            last = self.integer("blocks", node.get(1));
        } else if (node.isString() && node.asString().strip().matches("\\d{1,9}(\\s*-\\s*\\d{1,9})?")) {
            String[] parts = node.asString().split("-");
            first = Integer.parseInt(parts[0].strip());
            last = parts.length == 1 ? first : Integer.parseInt(parts[1].strip());
        } else {
            throw self.invalid("blocks", ": \"blocks\" must be \"first-last\" (inclusive, e.g. \"14-27\"), "
                    + "a block number or [first, last]");
        }
        if (first < 0 || first > last) {
            throw self.invalid("blocks", ": \"blocks\" " + first + "-" + last + " is not a range of blocks");
        }
        if (last > MAX_BLOCK) {
            throw self.invalid("blocks", ": \"blocks\" " + first + "-" + last + " goes past block " + MAX_BLOCK);
        }
        return new int[] {first, last};
    }

    private static Pooling mode(Rule self, JsonNode node) {
        if (node == null) {
            return Pooling.AVG;
        }
        String mode = node.isString() ? node.asString() : node.toString();
        return switch (mode) {
            case "avg" -> Pooling.AVG;
            case "nearest" -> Pooling.NEAREST;
            default -> throw self.invalid("mode", ": \"mode\" must be \"avg\" or \"nearest\", got " + clip(node.toString()));
        };
    }

    /** The rule being read, for messages. */
    private record Rule(int index, String op) {
        InvalidDensityException invalid(String field, String message) {
            return new InvalidDensityException(field(index, field), name(index, op) + message);
        }

        int integer(String field, JsonNode node) {
            if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
                throw invalid(field, ": \"" + field + "\" must hold integers, got "
                        + (node == null ? "nothing" : clip(node.toString())));
            }
            return node.asInt();
        }
    }

    private static String name(int index, String op) {
        return "token_density rules[" + index + "]" + (op == null ? "" : " (" + op + ")");
    }

    private static String field(int index, String field) {
        return TokenDensitySpec.FIELD + ".rules[" + index + "]" + (field == null ? "" : "." + field);
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
