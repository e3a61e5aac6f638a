package dev.lumen.engine.text;

/**
 * A tokenizer file that cannot be used: missing, unreadable, not a SentencePiece model, or a model
 * using features this implementation does not support. The message always names the file.
 */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
