package dev.lumen.engine.model;

import dev.lumen.engine.format.SafetensorsException;
import dev.lumen.engine.format.TensorSource;
import dev.lumen.engine.ops.Ops;
import dev.lumen.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * Loads named weights of one model from a checkpoint into a backend, under a name prefix
 * ({@code transformer_blocks.3.}), checking every shape against what the config implies so that
 * a checkpoint of another size fails at load time with the tensor's name.
 */
public record Weights(TensorSource source, Ops ops, String prefix) {

    public Weights(TensorSource source, Ops ops) {
        this(source, ops, "");
    }

    public Weights at(String child) {
        return new Weights(source, ops, prefix + child + ".");
    }

    public boolean has(String name) {
        return source.contains(prefix + name);
    }

    /** The weight, which must have exactly the given shape. */
    public Tensor get(String name, int... shape) {
        return ops.weight(source, checked(name, shape));
    }

    private String checked(String name, int... shape) {
        String full = prefix + name;
        long[] actual = source.info(full).shape();
        long[] expected = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(actual, expected)) {
            throw new SafetensorsException("tensor " + full + " in " + source.origin() + " has shape "
                    + Arrays.toString(actual) + ", the model config needs " + Arrays.toString(expected));
        }
        return full;
    }

    /** The first of several accepted names (for legacy spellings) that is present. */
    public Tensor getAny(String[] names, int... shape) {
        for (String n : names) {
            if (has(n)) {
                return get(n, shape);
            }
        }
        throw new SafetensorsException("missing tensor " + prefix + names[0] + " in " + source.origin()
                + (names.length > 1 ? " (also looked for " + String.join(", ", Arrays.copyOfRange(names, 1, names.length)) + ")" : ""));
    }

    /** A small weight read as host floats (for tables the model uses on the host, e.g. T5's bias buckets). */
    public float[] hostFloats(String name, int... shape) {
        return source.floats(checked(name, shape));
    }
}
