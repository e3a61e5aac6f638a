package dev.lumen.engine.density;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request's {@code token_density}: how much of the dense transformer computation to spend per
 * image, in one of three forms (docs/adr/0009):
 * <ul>
 *   <li>{@link Preset}: a named plan, {@code "full"} (the dense model), {@code "high"},
 *       {@code "balanced"}, {@code "low"} or {@code "minimal"};</li>
 *   <li>{@link TargetFraction}: a number in (0, 1], the wanted fraction of the dense transformer
 *       FLOPs; the cheapest preset that keeps at least that fraction runs;</li>
 *   <li>{@link Rules}: {@code {"rules": [...]}}, an explicit plan of {@link DensityRule}s keyed by
 *       timestep and block range, the last matching rule winning (blocks no rule covers run dense).</li>
 * </ul>
 * {@link DensityPlanner} compiles any of them into a {@link DensityPlan} for one run's timesteps
 * and model.
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
            if (!(fraction > 0 && fraction <= 1)) {
                throw new InvalidDensityException("token_density as a number is the fraction of the dense transformer "
                        + "FLOPs to spend and must be in (0, 1], got " + fraction);
            }
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
                throw new InvalidDensityException("token_density rules must hold at least one rule (\"full\" is the dense model)");
            }
        }

        @Override
        public String describe() {
            return rules.size() + (rules.size() == 1 ? " rule" : " rules");
        }
    }

    /** A preset name or a fraction, as a command line gives it. */
    static TokenDensity parse(String text) {
        String s = text.strip();
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '.' || s.charAt(0) == '-')) {
            double fraction;
            try {
                fraction = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new InvalidDensityException("token_density \"" + text + "\" is neither a preset ("
                        + DensityPreset.offeredNames() + ") nor a number in (0, 1]");
            }
            return new TargetFraction(fraction);
        }
        return new Preset(DensityPreset.byName(s));
    }

    /** The JSON value of a request's {@code token_density}: a preset name, a number or a rules object. */
    static TokenDensity fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return FULL;
        }
        if (node.isString()) {
            return new Preset(DensityPreset.byName(node.asString()));
        }
        if (node.isNumber()) {
            return new TargetFraction(node.asDouble());
        }
        if (node.isObject()) {
            JsonNode rules = node.get("rules");
            if (rules == null || !rules.isArray() || node.size() != 1) {
                throw new InvalidDensityException("token_density as an object must be {\"rules\": [...]} and nothing else");
            }
            List<DensityRule> list = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                list.add(DensityRule.fromJson(i, rules.get(i)));
            }
            return new Rules(list);
        }
        throw new InvalidDensityException("token_density must be a preset name (" + DensityPreset.offeredNames()
                + "), a number in (0, 1] or {\"rules\": [...]}, got " + node);
    }

    /** As {@link #fromJson(JsonNode)}, from JSON text (a rules file). */
    static TokenDensity fromJson(String json) {
        try {
            return fromJson(JsonMapper.builder().build().readTree(json));
        } catch (JacksonException e) {
            throw new InvalidDensityException("token_density is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
