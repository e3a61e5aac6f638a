package dev.lumen.contracts.density;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request's {@code token_density} (docs/adr/0009, 0015): how much of the dense transformer
 * computation to spend per image, in one of three forms:
 * <ul>
 *   <li>{@link Preset}: a named plan ({@link DensityPresetName}), e.g. {@code "balanced"};</li>
 *   <li>{@link Fraction}: a number in (0, 1], the wanted fraction of the dense transformer FLOPs;
 *       the engine runs the cheapest preset that keeps at least that much among those whose
 *       operators only pool keys and values ({@code high}, {@code balanced}, {@code low}; never
 *       {@code minimal}, whose mean_v and coarse blocks make no pixel-fidelity promise);</li>
 *   <li>{@link Rules}: {@code {"rules": [...]}}, an explicit plan of {@link DensityRuleSpec}s, the
 *       last matching rule winning and blocks no rule covers running dense.</li>
 * </ul>
 * This is the one reader of the value for every service: the gateway validates API requests with
 * it and forwards {@link #toJson()}, the canonical form, in the job's spec; the engine reads the
 * spec (and {@code lumen generate --token-density}) with it and compiles the plan against the
 * model, which is where the checks that need the model's depth live. Every error is an
 * {@link InvalidDensityException} naming the rule and the field.
 */
public sealed interface TokenDensitySpec {

    /** The API field and the root of every {@link InvalidDensityException#field()}. */
    String FIELD = "token_density";

    /** How reports name the request, e.g. {@code preset balanced}, {@code fraction 0.800}, {@code 3 rules}. */
    String describe();

    /** The canonical JSON value: a preset name, a number, or {@code {"rules": [...]}} with every rule in canonical form. */
    JsonNode toJson();

    record Preset(DensityPresetName name) implements TokenDensitySpec {
        @Override
        public String describe() {
            return "preset " + name.label();
        }

        @Override
        public JsonNode toJson() {
            return JsonNodeFactory.instance.stringNode(name.label());
        }
    }

    record Fraction(double value) implements TokenDensitySpec {
        public Fraction {
            requireFraction(value);
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "fraction %.3f", value);
        }

        @Override
        public JsonNode toJson() {
            return JsonNodeFactory.instance.numberNode(value);
        }
    }

    record Rules(List<DensityRuleSpec> rules) implements TokenDensitySpec {
        public Rules {
            rules = List.copyOf(rules);
            if (rules.isEmpty()) {
                throw new InvalidDensityException(FIELD + ".rules",
                        "token_density rules must hold at least one rule (\"full\" is the dense model)");
            }
        }

        @Override
        public String describe() {
            return rules.size() + (rules.size() == 1 ? " rule" : " rules");
        }

        @Override
        public JsonNode toJson() {
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            rules.forEach(r -> json.withArray("rules").add(r.toJson()));
            return json;
        }
    }

    /** Refuses a target fraction outside (0, 1] (NaN and infinities included). */
    static double requireFraction(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new InvalidDensityException(FIELD, "token_density as a number is the fraction of the dense transformer "
                    + "FLOPs to spend and must be in (0, 1], got " + fraction);
        }
        return fraction;
    }

    /**
     * Reads the JSON value of a request's {@code token_density}: a preset name, a number in (0, 1]
     * or a rules object. {@code null} (absent or JSON null) means none: the dense model.
     *
     * @throws InvalidDensityException naming the field (and the rule) at fault
     */
    static TokenDensitySpec read(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isString()) {
            return new Preset(DensityPresetName.byName(node.asString()));
        }
        if (node.isNumber()) {
            return new Fraction(node.asDouble());
        }
        if (node.isObject()) {
            JsonNode rules = node.get("rules");
            if (rules == null || !rules.isArray() || node.size() != 1) {
                throw new InvalidDensityException(FIELD, "token_density as an object must be {\"rules\": [...]} and nothing else");
            }
            List<DensityRuleSpec> list = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                list.add(DensityRuleSpec.read(i, rules.get(i)));
            }
            return new Rules(list);
        }
        throw new InvalidDensityException(FIELD, "token_density must be a preset name (" + DensityPresetName.names()
                + "), a number in (0, 1] or {\"rules\": [...]}, got " + (node.isContainer() ? node.getNodeType()
                .toString().toLowerCase(Locale.ROOT) : node.toString()));
    }

    /** As {@link #read(JsonNode)}, from JSON text (a rules file). */
    static TokenDensitySpec read(String json) {
        JsonNode tree;
        try {
            tree = JsonMapper.builder().build().readTree(json);
        } catch (JacksonException e) {
            throw new InvalidDensityException(FIELD, "token_density is not valid JSON: " + e.getOriginalMessage());
        }
        return read(tree);
    }

    /** A preset name or a fraction, as a command line gives it. */
    static TokenDensitySpec parse(String text) {
        String s = text.strip();
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '.' || s.charAt(0) == '-')) {
            double fraction;
            try {
                fraction = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new InvalidDensityException(FIELD, "token_density \"" + text + "\" is neither a preset ("
                        + DensityPresetName.names() + ") nor a number in (0, 1]");
            }
            return new Fraction(fraction);
        }
        return new Preset(DensityPresetName.byName(s));
    }
}
