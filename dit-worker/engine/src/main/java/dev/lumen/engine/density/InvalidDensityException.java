package dev.lumen.engine.density;

/**
 * A {@code token_density} value that cannot be run: an unknown preset, a fraction outside (0, 1],
 * or a rule that is malformed or does not fit the model. The message names the offending rule
 * ({@code rules[i]}) and field, so an API can return it to the caller as it is.
 */
public final class InvalidDensityException extends IllegalArgumentException {
    public InvalidDensityException(String message) {
        super(message);
    }
}
