package dev.lumen.gateway.jobs;

import dev.lumen.contracts.density.InvalidDensityException;
import dev.lumen.contracts.density.TokenDensitySpec;
import dev.lumen.contracts.layout.InvalidLayoutException;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.LayoutJson;
import dev.lumen.gateway.GatewayProperties;
import dev.lumen.gateway.GatewayProperties.Limits;
import dev.lumen.gateway.GatewayProperties.Model;
import dev.lumen.gateway.errors.ApiException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and validates a generation request from raw body bytes. The JSON tree is checked field by
 * field rather than bound with lenient coercion, so {@code "n": "2"}, {@code "n": 2.5} or a
 * duplicated key is an error naming the field instead of a silent conversion, and no client input
 * can reach a 5xx. Unknown fields are refused on {@code /v1/jobs} (a typo must not silently fall
 * back to a default) and ignored on the OpenAI endpoint, whose clients send parameters Lumen does
 * not use ({@code quality}, {@code style}…).
 */
@Component
public class RequestParser {
    private static final Set<String> JOB_FIELDS = Set.of("model", "prompt", "negative_prompt", "n", "size", "seed",
            "steps", "guidance_scale", "sampler", "priority", "layout", "token_density");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,5})x([0-9]{1,5})");
    private static final int MAX_TOKEN_DENSITY_CHARS = 8192;
    private static final int MAX_USER_CHARS = 256;

    private final JsonMapper json = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final GatewayProperties properties;
    private final Limits limits;

    public RequestParser(GatewayProperties properties) {
        this.properties = properties;
        this.limits = properties.limits();
    }

    /** The OpenAI request: the generation plus {@code response_format} ({@code url} or {@code b64_json}) and {@code user}. */
    public record ImagesRequest(GenerationRequest generation, String responseFormat, String user) {
    }

    /** Parses the body of {@code POST /v1/jobs}; unknown fields are errors. */
    public GenerationRequest parseJob(byte[] body) {
        JsonNode root = readObject(body);
        for (String name : root.propertyNames()) {
            if (!JOB_FIELDS.contains(name)) {
                throw ApiException.invalid(clip(name, 64), "is not a known field; known fields: " + JOB_FIELDS.stream().sorted().toList());
            }
        }
        return generation(root);
    }

    /** Parses the body of {@code POST /v1/images/generations}; unknown fields are ignored. */
    public ImagesRequest parseImages(byte[] body) {
        JsonNode root = readObject(body);
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isNull() && !(stream.isBoolean() && !stream.asBoolean())) {
            throw ApiException.invalid("stream", "is not supported; follow GET /v1/jobs/{id}/events for progress");
        }
        String format = optionalString(root, "response_format", 16);
        if (format == null) {
            format = "url";
        } else if (!format.equals("url") && !format.equals("b64_json")) {
            throw ApiException.invalid("response_format", "must be \"url\" or \"b64_json\"");
        }
        String user = optionalString(root, "user", MAX_USER_CHARS);
        return new ImagesRequest(generation(root), format, user);
    }

    private JsonNode readObject(byte[] body) {
        if (body.length == 0) {
            throw ApiException.invalid("body", "is empty; send a JSON object");
        }
        try {
            // Jackson lets some invalid sequences through (overlong forms, encoded surrogates); the JDK's strict
            // decoder does not, and a prompt must be text the engine's tokenizer can read.
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("body", "is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw new ApiException(dev.lumen.gateway.errors.ProblemType.INVALID_REQUEST,
                    "body is not valid JSON (UTF-8): " + clip(String.valueOf(e.getOriginalMessage()), 200));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("body", "must be a JSON object");
        }
        return root;
    }

    private GenerationRequest generation(JsonNode root) {
        Model model = model(root);
        String prompt = optionalString(root, "prompt", limits.maxPromptChars());
        if (prompt == null || prompt.isBlank()) {
            throw ApiException.invalid("prompt", "is required and must be a non-blank string");
        }
        String negative = optionalString(root, "negative_prompt", limits.maxNegativePromptChars());
        Integer n = optionalInt(root, "n", 1, limits.maxImages());
        String size = size(root, model);
        Long seed = optionalLong(root, "seed", 0, limits.maxSeed());
        Integer steps = optionalInt(root, "steps", 1, limits.maxSteps());
        Double guidance = optionalNumber(root, "guidance_scale", 0, limits.maxGuidanceScale());
        String sampler = optionalString(root, "sampler", 32);
        if (sampler != null && !sampler.equals("lcm") && !sampler.equals("dpm-solver")) {
            throw ApiException.invalid("sampler", "must be \"lcm\" or \"dpm-solver\"");
        }
        Integer priority = optionalInt(root, "priority", limits.minPriority(), limits.maxPriority());
        JsonNode layoutNode = root.get("layout");
        boolean autoLayout = layoutNode != null && layoutNode.isString() && layoutNode.asString().equals("auto");
        Layout layout = autoLayout ? null : layout(layoutNode, prompt);
        JsonNode tokenDensity = tokenDensity(root.get("token_density"));
        return new GenerationRequest(model.name(), prompt, negative, n == null ? 1 : n, size, seed,
                steps == null ? model.defaultSteps() : steps,
                guidance == null ? model.defaultGuidanceScale() : guidance,
                sampler == null ? model.defaultSampler() : sampler,
                priority == null ? 0 : priority, layout, autoLayout, tokenDensity);
    }

    private Model model(JsonNode root) {
        String name = optionalString(root, "model", 128);
        if (name == null) {
            return properties.defaultModel();
        }
        return properties.models().stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.invalid("model", "names no model served here; available: "
                        + properties.models().stream().map(Model::name).toList()));
    }

    private String size(JsonNode root, Model model) {
        String size = optionalString(root, "size", 16);
        if (size == null || size.equals("auto")) {
            return model.defaultSize();
        }
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw ApiException.invalid("size", "must be \"WxH\" (for example \"512x512\") or \"auto\"");
        }
        side("size", Integer.parseInt(m.group(1)), "width");
        side("size", Integer.parseInt(m.group(2)), "height");
        return Integer.parseInt(m.group(1)) + "x" + Integer.parseInt(m.group(2));
    }

    private void side(String field, int value, String which) {
        if (value < limits.minSide() || value > limits.maxSide() || value % limits.sideMultiple() != 0) {
            throw ApiException.invalid(field, which + " " + value + " must be a multiple of " + limits.sideMultiple()
                    + " within " + limits.minSide() + ".." + limits.maxSide());
        }
    }

    /**
     * A layout object (the layout JSON of {@code layout.md} §4), read strictly by the contract's own
     * reader so the gateway and layout-service refuse exactly the same things; a layout without a
     * caption takes the prompt. {@code "auto"} is handled by the caller.
     */
    private Layout layout(JsonNode node, String prompt) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            throw ApiException.invalid("layout", "must be a layout object or the string \"auto\", not \""
                    + clip(node.asString(), 32) + "\"");
        }
        try {
            return LayoutJson.read(node, "layout", limits.layoutLimits(), prompt);
        } catch (InvalidLayoutException e) {
            throw ApiException.invalidLayout(e);
        }
    }

    /**
     * A preset name, a fraction in (0, 1] or a rules object, read by the contract's own reader (the
     * one the engine reads the spec with), so the gateway refuses exactly what no worker could read;
     * what only the model can refuse (blocks past its depth) fails the job instead. The spec gets
     * the canonical form, so equal requests batch together.
     */
    private JsonNode tokenDensity(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (json.writeValueAsString(node).length() > MAX_TOKEN_DENSITY_CHARS) {
            throw ApiException.invalid("token_density", "must be at most " + MAX_TOKEN_DENSITY_CHARS + " characters of JSON");
        }
        try {
            return TokenDensitySpec.read(node).toJson();
        } catch (InvalidDensityException e) {
            throw ApiException.invalidTokenDensity(e);
        }
    }

    private static String optionalString(JsonNode root, String field, int maxChars) {
        return optionalString(root, field, maxChars, field);
    }

    private static String optionalString(JsonNode root, String field, int maxChars, String label) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw ApiException.invalid(label, "must be a string");
        }
        String value = node.asString();
        if (value.codePointCount(0, value.length()) > maxChars) {
            throw ApiException.invalid(label, "must be at most " + maxChars + " characters");
        }
        if (value.indexOf('\u0000') >= 0) {
            throw ApiException.invalid(label, "must not contain NUL characters");
        }
        return value;
    }

    private static Integer optionalInt(JsonNode root, String field, int min, int max) {
        Long value = optionalLong(root, field, min, max);
        return value == null ? null : value.intValue();
    }

    private static Long optionalLong(JsonNode root, String field, long min, long max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.invalid(field, "must be an integer within " + min + ".." + max);
        }
        long value = node.asLong();
        if (value < min || value > max) {
            throw ApiException.invalid(field, "must be within " + min + ".." + max + ", not " + value);
        }
        return value;
    }

    private static Double optionalNumber(JsonNode root, String field, double min, double max) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw ApiException.invalid(field, "must be a number within " + min + ".." + max);
        }
        double value = node.asDouble();
        if (value < min || value > max) {
            throw ApiException.invalid(field, "must be within " + min + ".." + max + ", not " + value);
        }
        return value;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }


}
