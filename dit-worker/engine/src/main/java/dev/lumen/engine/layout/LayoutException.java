package dev.lumen.engine.layout;

/**
 * A layout that cannot be used. {@link #field()} is the path of the offending field in the layout
 * JSON's terms ({@code regions[3].box}, {@code control.strength}, or {@code ""} for the whole
 * document), so an API layer can name it in a problem response; the message starts with it.
 */
public class LayoutException extends IllegalArgumentException {
    private final String field;

    public LayoutException(String field, String problem) {
        super(field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    public LayoutException(String field, String problem, Throwable cause) {
        super(field.isEmpty() ? problem : field + ": " + problem, cause);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
