package dev.lumen.engine.density;

import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.contracts.density.TokenDensitySpec;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * A request's {@code token_density} in the engine's terms: how much of the dense transformer
 * computation to spend per image, in one of three forms (docs/adr/0009):
 * <ul>
 *   <li>{@link Preset}: a named plan, {@code "full"} (the dense model), {@code "high"},
 *       {@code "balanced"}, {@code "low"} or {@code "minimal"} (and, for benchmarks, the mirrors);</li>
 *   <li>{@link TargetFraction}: a number in (0, 1], the wanted fraction of the dense transformer
 *       FLOPs; the cheapest preset that keeps at least that fraction runs;</li>
 *   <li>{@link Rules}: {@code {"rules": [...]}}, an explicit plan of {@link DensityRule}s keyed by
 *       timestep and block range, the last matching rule winning (blocks no rule covers run dense).</li>
 * </ul>
 * Requests are read by the contracts' {@link TokenDensitySpec}, the reader the gateway validates
 * API requests with (docs/adr/0015), and mapped here by {@link #of}; {@link DensityPlanner}
 * compiles any of them into a {@link DensityPlan} for one run's timesteps and model.
 */
public sealed interface TokenDensity {

    /** The dense model: the default. */
    TokenDensity FULL = new Preset(DensityPreset.FULL);

    /** How reports name the request, e.g. {@code preset balanced}, {@code fraction 0.8}, {@code 3 rules}. */
    String describe();

    record Preset(DensityPreset preset) implements TokenDensity {
        @Override
        public String describe() {
            return "preset " + preset.label();
        }
    }

    record TargetFraction(double fraction) implements TokenDensity {
        public TargetFraction {
            TokenDensitySpec.requireFraction(fraction);
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "fraction %.3f", fraction);
        }
    }

    record Rules(List<DensityRule> rules) implements TokenDensity {
        public Rules {
            rules = List.copyOf(rules);
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("a rules plan needs at least one rule");
            }
        }

        @Override
        public String describe() {
            return rules.size() + (rules.size() == 1 ? " rule" : " rules");
        }
    }

    /** The engine's form of a request's value; {@code null} (none asked) is {@link #FULL}. */
    static TokenDensity of(TokenDensitySpec spec) {
        return switch (spec) {
            case null -> FULL;
            case TokenDensitySpec.Preset p -> new Preset(DensityPreset.of(p.name()));
            case TokenDensitySpec.Fraction f -> new TargetFraction(f.value());
            case TokenDensitySpec.Rules r -> new Rules(r.rules().stream().map(DensityRule::of).toList());
        };
    }

    /**
     * A preset name or a fraction, as a command line gives it.
     *
     * @throws InvalidDensityException naming what is wrong
     */
    static TokenDensity parse(String text) {
        return of(TokenDensitySpec.parse(text));
    }

    /**
     * The JSON value of a request's {@code token_density}: a preset name, a number or a rules
     * object; absent or JSON null is {@link #FULL}.
     *
     * @throws InvalidDensityException naming the field and rule at fault
     */
    static TokenDensity fromJson(JsonNode node) {
        return of(TokenDensitySpec.read(node));
    }

    /** As {@link #fromJson(JsonNode)}, from JSON text (a rules file). */
    static TokenDensity fromJson(String json) {
        return of(TokenDensitySpec.read(json));
    }
}
