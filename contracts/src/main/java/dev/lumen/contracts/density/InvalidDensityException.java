package dev.lumen.contracts.density;

/**
 * A {@code token_density} value that cannot run: a malformed value or rule (found by
 * {@link TokenDensitySpec#read}), or one that does not fit the model (found when the engine compiles
 * the plan). The message names the rule ({@code token_density rules[2] (kv_pool)}) and what is
 * wrong, so an API can return it as it is; {@link #field()} is the JSON path of the value at fault,
 * e.g. {@code token_density.rules[2].blocks}.
 */
public final class InvalidDensityException extends IllegalArgumentException {
    private final String field;

    public InvalidDensityException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The JSON path of the value at fault: {@code token_density}, or a rule's field under it. */
    public String field() {
        return field;
    }
}
