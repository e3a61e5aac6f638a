package dev.lumen.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON object inside an eval-set file together with its path from the root
 * ({@code prompts[3].objects[0]}), so that every error names the file and the exact field.
 */
final class JsonFields {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final String path;
    private final JsonNode node;

    private JsonFields(Path file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    static JsonFields read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new EvalSetException("missing eval-set file " + file);
        } catch (IOException e) {
            throw new EvalSetException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new EvalSetException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new EvalSetException(file + ": expected a JSON object at the top level");
        }
        return new JsonFields(file, "", root);
    }

    String fieldPath(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    EvalSetException error(String field, String message) {
        return new EvalSetException(file + ": field \"" + fieldPath(field) + "\" " + message);
    }

    boolean isNull(String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull();
    }

    private JsonNode required(String field) {
        if (isNull(field)) {
            throw error(field, "is missing");
        }
        return node.get(field);
    }

    JsonNode raw(String field) {
        return required(field);
    }

    JsonFields object(String field) {
        JsonNode n = required(field);
        if (!n.isObject()) {
            throw error(field, "must be an object, found " + n);
        }
        return new JsonFields(file, fieldPath(field), n);
    }

    List<String> propertyNames() {
        return List.copyOf(node.propertyNames());
    }

    List<JsonFields> objects(String field) {
        JsonNode n = required(field);
        if (!n.isArray()) {
            throw error(field, "must be an array, found " + n);
        }
        List<JsonFields> items = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode item = n.get(i);
            String itemPath = fieldPath(field) + "[" + i + "]";
            if (!item.isObject()) {
                throw new EvalSetException(file + ": field \"" + itemPath + "\" must be an object, found " + item);
            }
            items.add(new JsonFields(file, itemPath, item));
        }
        return items;
    }

    String string(String field) {
        JsonNode n = required(field);
        if (!n.isString()) {
            throw error(field, "must be a string, found " + n);
        }
        return n.asString();
    }

    /** The string, or null when the field is absent or JSON null. */
    String stringOrNull(String field) {
        return isNull(field) ? null : string(field);
    }

    long integer(String field) {
        JsonNode n = required(field);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw error(field, "must be an integer, found " + n);
        }
        return n.asLong();
    }

    int smallInteger(String field) {
        long v = integer(field);
        if (v != (int) v) {
            throw error(field, "is out of range: " + v);
        }
        return (int) v;
    }

    double number(String field) {
        JsonNode n = required(field);
        if (!n.isNumber()) {
            throw error(field, "must be a number, found " + n);
        }
        return n.asDouble();
    }

    /** An array of exactly {@code length} numbers. */
    double[] numbers(String field, int length) {
        JsonNode n = required(field);
        if (!n.isArray() || n.size() != length) {
            throw error(field, "must be an array of " + length + " numbers, found " + n);
        }
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            if (!n.get(i).isNumber()) {
                throw error(field, "must be an array of " + length + " numbers, found " + n);
            }
            values[i] = n.get(i).asDouble();
        }
        return values;
    }

    /** An array of exactly {@code length} integers, or null when the field is absent or JSON null. */
    int[] integersOrNull(String field, int length) {
        if (isNull(field)) {
            return null;
        }
        JsonNode n = node.get(field);
        if (!n.isArray() || n.size() != length) {
            throw error(field, "must be null or an array of " + length + " integers, found " + n);
        }
        int[] values = new int[length];
        for (int i = 0; i < length; i++) {
            if (!n.get(i).isIntegralNumber() || !n.get(i).canConvertToInt()) {
                throw error(field, "must be null or an array of " + length + " integers, found " + n);
            }
            values[i] = n.get(i).asInt();
        }
        return values;
    }

    List<String> strings(String field) {
        JsonNode n = required(field);
        if (!n.isArray()) {
            throw error(field, "must be an array of strings, found " + n);
        }
        List<String> values = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isString()) {
                throw error(field, "must be an array of strings, found " + n);
            }
            values.add(v.asString());
        }
        return values;
    }

    void requireVersion(int supported) {
        long version = integer("version");
        if (version != supported) {
            throw error("version", "is " + version + "; this Lumen reads version " + supported);
        }
    }
}
