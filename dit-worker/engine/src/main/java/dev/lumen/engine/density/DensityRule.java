package dev.lumen.engine.density;

import dev.lumen.contracts.density.DensityRuleSpec;
import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.engine.ops.TokenPooling;
import tools.jackson.databind.JsonNode;

/**
 * One rule of an explicit token-density plan: the denoising steps whose timestep t lies in
 * {@code [fromTimestep, toTimestep)} and the blocks {@code firstBlock…lastBlock} (inclusive) run
 * {@code operator}. {@code index} is the rule's position in its list, which error messages name.
 * A rule without {@code "blocks"} covers every block ({@code lastBlock} = {@link #LAST}); without
 * {@code "t"}, every timestep. The JSON form and its checks are the contracts'
 * ({@link DensityRuleSpec}); this is the rule with its engine operator. {@code experimentalOp}:
 * the rule's op needs {@code "experimental": true} ({@link DensityRuleSpec.Op#experimental()}),
 * which makes the whole plan experimental.
 */
public record DensityRule(int index, int fromTimestep, int toTimestep, int firstBlock, int lastBlock,
                          TokenOperator operator, boolean experimentalOp) {

    /** {@code lastBlock} of a rule that runs to the model's last block. */
    public static final int LAST = DensityRuleSpec.LAST;
    /** Timesteps are in [0, 1000) for every published PixArt scheduler. */
    public static final int TIMESTEPS = DensityRuleSpec.TIMESTEPS;

    public boolean matches(int timestep, int block) {
        return timestep >= fromTimestep && timestep < toTimestep && block >= firstBlock && block <= lastBlock;
    }

    /** "token_density rules[2] (kv_pool)": how messages name this rule. */
    public String name() {
        return "token_density rules[" + index + "] (" + operator.op() + ")";
    }

    /** The JSON path of one of this rule's fields, e.g. {@code token_density.rules[2].blocks}. */
    public String field(String field) {
        return "token_density.rules[" + index + "]." + field;
    }

    /** The engine's form of a rule as the contracts read it. */
    public static DensityRule of(DensityRuleSpec rule) {
        TokenOperator operator = switch (rule.op()) {
            case DensityRuleSpec.Dense _ -> TokenOperator.DENSE;
            case DensityRuleSpec.KvPool p -> new TokenOperator.KvPool(p.cell(),
                    p.mode() == DensityRuleSpec.Pooling.AVG ? TokenPooling.AVG : TokenPooling.NEAREST);
            case DensityRuleSpec.KvPoolLocal p -> new TokenOperator.KvPoolLocal(p.cell(), p.window());
            case DensityRuleSpec.MeanV _ -> new TokenOperator.MeanV();
            case DensityRuleSpec.Coarse c -> new TokenOperator.Coarse(c.cell());
        };
        return new DensityRule(rule.index(), rule.fromTimestep(), rule.toTimestep(), rule.firstBlock(), rule.lastBlock(),
                operator, rule.op().experimental());
    }

    /**
     * Reads rule {@code index} of a rules list, checking everything that does not depend on the model.
     *
     * @throws InvalidDensityException naming the rule and field
     */
    public static DensityRule fromJson(int index, JsonNode node) {
        return of(DensityRuleSpec.read(index, node));
    }
}
