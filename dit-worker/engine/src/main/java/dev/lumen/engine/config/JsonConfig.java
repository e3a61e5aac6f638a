package dev.lumen.engine.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@code config.json} as diffusers and transformers write them, read leniently where they are
 * lenient (Python's json writes bare {@code NaN}/{@code Infinity}; unknown fields are ignored) and
 * strictly where we depend on a value: a missing or mistyped required field names the file and
 * field.
 */
public final class JsonConfig {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final Path file;
    private final JsonNode root;

    private JsonConfig(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    public static JsonConfig read(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw new ConfigException(file + ": expected a JSON object");
            }
            return new JsonConfig(file, root);
        } catch (NoSuchFileException e) {
            throw new ConfigException("missing config file " + file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public JsonNode root() {
        return root;
    }

    public boolean has(String field) {
        JsonNode n = root.get(field);
        return n != null && !n.isNull();
    }

    private JsonNode required(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new ConfigException(file + ": missing required field \"" + field + "\"");
        }
        return n;
    }

    private ConfigException wrongType(String field, String expected) {
        return new ConfigException(file + ": field \"" + field + "\" must be " + expected + ", found " + root.get(field));
    }

    public int requireInt(String field) {
        JsonNode n = required(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrongType(field, "an integer");
        }
        return n.asInt();
    }

    public int optInt(String field, int fallback) {
        return has(field) ? requireInt(field) : fallback;
    }

    public double requireDouble(String field) {
        JsonNode n = required(field);
        if (!n.isNumber()) {
            throw wrongType(field, "a number");
        }
        return n.asDouble();
    }

    public double optDouble(String field, double fallback) {
        return has(field) ? requireDouble(field) : fallback;
    }

    public String requireString(String field) {
        JsonNode n = required(field);
        if (!n.isString()) {
            throw wrongType(field, "a string");
        }
        return n.asString();
    }

    public String optString(String field, String fallback) {
        return has(field) ? requireString(field) : fallback;
    }

    public boolean optBoolean(String field, boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        JsonNode n = root.get(field);
        if (!n.isBoolean()) {
            throw wrongType(field, "true or false");
        }
        return n.asBoolean();
    }

    /** Null when the field is absent or null (diffusers' "use the default rule" marker). */
    public Boolean optBooleanOrNull(String field) {
        return has(field) ? optBoolean(field, false) : null;
    }

    public int[] requireIntArray(String field) {
        JsonNode n = required(field);
        if (!n.isArray()) {
            throw wrongType(field, "an array of integers");
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isIntegralNumber()) {
                throw wrongType(field, "an array of integers");
            }
            values.add(v.asInt());
        }
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    public void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new ConfigException(file + ": field \"" + field + "\" must be positive, found " + value);
        }
    }
}
