package dev.lumen.engine.density;

import dev.lumen.engine.ops.TokenPooling;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One rule of an explicit token-density plan: the denoising steps whose timestep t lies in
 * {@code [fromTimestep, toTimestep)} and the blocks {@code firstBlock…lastBlock} (inclusive) run
 * {@code operator}. {@code index} is the rule's position in its list, which error messages name.
 * A rule without {@code "blocks"} covers every block ({@code lastBlock} = {@link #LAST}); without
 * {@code "t"}, every timestep.
 *
 * <p>JSON form: {@code {"t": [500, 1000], "blocks": "2-25", "op": "kv_pool", "s": 4, "mode": "avg"}};
 * {@code op} is one of {@code dense, kv_pool, kv_pool_local, mean_v, coarse}; {@code s} (2 or 4,
 * default 2) is the cell side of the pooling ops, {@code mode} ({@code avg} by default or
 * {@code nearest}) belongs to {@code kv_pool} only, {@code window} (2…64) is required by
 * {@code kv_pool_local}, and {@code mean_v} must carry {@code "experimental": true}.
 */
public record DensityRule(int index, int fromTimestep, int toTimestep, int firstBlock, int lastBlock,
                          TokenOperator operator) {

    /** {@code lastBlock} of a rule that runs to the model's last block. */
    public static final int LAST = Integer.MAX_VALUE;
    /** Timesteps are in [0, 1000) for every published PixArt scheduler. */
    public static final int TIMESTEPS = 1000;
    private static final Set<Integer> CELLS = Set.of(2, 4);
    private static final int MAX_WINDOW = 64;
    private static final Set<String> FIELDS = Set.of("t", "blocks", "op", "s", "mode", "window", "experimental");

    public boolean matches(int timestep, int block) {
        return timestep >= fromTimestep && timestep < toTimestep && block >= firstBlock && block <= lastBlock;
    }

    /** "rules[2] (kv_pool)": how messages name this rule. */
    public String name() {
        return name(index, operator.op());
    }

    private static String name(int index, String op) {
        return "token_density rules[" + index + "]" + (op == null ? "" : " (" + op + ")");
    }

    /** Reads rule {@code index} of a rules list, checking everything that does not depend on the model. */
    public static DensityRule fromJson(int index, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidDensityException(name(index, null) + " must be an object like "
                    + "{\"t\": [0, 1000], \"blocks\": \"14-27\", \"op\": \"kv_pool\", \"s\": 2}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            String field = it.next().getKey();
            if (!FIELDS.contains(field)) {
                throw new InvalidDensityException(name(index, null) + " has an unknown field \"" + field + "\" (known: "
                        + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }
        JsonNode opNode = node.get("op");
        if (opNode == null || !opNode.isString()) {
            throw new InvalidDensityException(name(index, null)
                    + " needs \"op\": one of dense, kv_pool, kv_pool_local, mean_v, coarse");
        }
        String op = opNode.asString();
        String self = name(index, op);
        int[] t = timesteps(self, node.get("t"));
        int[] blocks = blocks(self, node.get("blocks"));
        boolean hasCell = node.has("s");
        int cell = hasCell ? integer(self, "s", node.get("s")) : 2;
        if (!CELLS.contains(cell)) {
            throw new InvalidDensityException(self + ": \"s\" must be 2 or 4, got " + cell);
        }
        JsonNode modeNode = node.get("mode");
        JsonNode windowNode = node.get("window");
        boolean experimental = false;
        if (node.has("experimental")) {
            if (!node.get("experimental").isBoolean()) {
                throw new InvalidDensityException(self + ": \"experimental\" must be true or false");
            }
            experimental = node.get("experimental").asBoolean();
        }
        if (modeNode != null && !op.equals("kv_pool")) {
            throw new InvalidDensityException(self + ": \"mode\" belongs to kv_pool only");
        }
        if (windowNode != null && !op.equals("kv_pool_local")) {
            throw new InvalidDensityException(self + ": \"window\" belongs to kv_pool_local only");
        }
        if (hasCell && (op.equals("dense") || op.equals("mean_v"))) {
            throw new InvalidDensityException(self + ": \"s\" does not apply to " + op);
        }
        TokenOperator operator = switch (op) {
            case "dense" -> TokenOperator.DENSE;
            case "kv_pool" -> new TokenOperator.KvPool(cell, mode(self, modeNode));
            case "kv_pool_local" -> {
                if (windowNode == null) {
                    throw new InvalidDensityException(self + " needs \"window\": the side of the local tiles in tokens (2…"
                            + MAX_WINDOW + ")");
                }
                int window = integer(self, "window", windowNode);
                if (window < 2 || window > MAX_WINDOW) {
                    throw new InvalidDensityException(self + ": \"window\" must be in 2…" + MAX_WINDOW + ", got " + window);
                }
                yield new TokenOperator.KvPoolLocal(cell, window);
            }
            case "mean_v" -> new TokenOperator.MeanV();
            case "coarse" -> new TokenOperator.Coarse(cell);
            default -> throw new InvalidDensityException(name(index, null) + ": unknown op \"" + op
                    + "\" (one of dense, kv_pool, kv_pool_local, mean_v, coarse)");
        };
        if (operator.experimental() && !experimental) {
            throw new InvalidDensityException(self + " is experimental (no fidelity measured on PixArt yet): "
                    + "add \"experimental\": true to use it");
        }
        return new DensityRule(index, t[0], t[1], blocks[0], blocks[1], operator);
    }

    private static int[] timesteps(String self, JsonNode node) {
        if (node == null) {
            return new int[] {0, TIMESTEPS};
        }
        if (!node.isArray() || node.size() != 2) {
            throw new InvalidDensityException(self + ": \"t\" must be [from, to], the timesteps from ≤ t < to");
        }
        int from = integer(self, "t", node.get(0));
        int to = integer(self, "t", node.get(1));
        if (from < 0 || to > TIMESTEPS || from >= to) {
            throw new InvalidDensityException(self + ": \"t\" [" + from + ", " + to + "] must satisfy 0 ≤ from < to ≤ "
                    + TIMESTEPS);
        }
        return new int[] {from, to};
    }

    private static int[] blocks(String self, JsonNode node) {
        if (node == null) {
            return new int[] {0, LAST};
        }
        int first;
        int last;
        if (node.isIntegralNumber()) {
            first = last = node.asInt();
        } else if (node.isArray() && node.size() == 2) {
            first = integer(self, "blocks", node.get(0));
            last = integer(self, "blocks", node.get(1));
        } else if (node.isString() && node.asString().strip().matches("\\d+(\\s*-\\s*\\d+)?")) {
            String[] parts = node.asString().split("-");
            first = Integer.parseInt(parts[0].strip());
            last = parts.length == 1 ? first : Integer.parseInt(parts[1].strip());
        } else {
            throw new InvalidDensityException(self + ": \"blocks\" must be \"first-last\" (inclusive, e.g. \"14-27\"), "
                    + "a block number or [first, last]");
        }
        if (first < 0 || first > last) {
            throw new InvalidDensityException(self + ": \"blocks\" " + first + "-" + last + " is not a range of blocks");
        }
        return new int[] {first, last};
    }

    private static TokenPooling mode(String self, JsonNode node) {
        if (node == null) {
            return TokenPooling.AVG;
        }
        String mode = node.isString() ? node.asString() : node.toString();
        return switch (mode) {
            case "avg" -> TokenPooling.AVG;
            case "nearest" -> TokenPooling.NEAREST;
            default -> throw new InvalidDensityException(self + ": \"mode\" must be \"avg\" or \"nearest\", got "
                    + node);
        };
    }

    private static int integer(String self, String field, JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new InvalidDensityException(self + ": \"" + field + "\" must hold integers, got " + node);
        }
        return node.asInt();
    }
}
