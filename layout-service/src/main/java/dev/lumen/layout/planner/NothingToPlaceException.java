package dev.lumen.layout.planner;

import java.util.List;

/** A prompt in which the planner found nothing to place (no noun it knows, no unknown word it could take as one). */
public class NothingToPlaceException extends RuntimeException {
    private final transient List<String> unknownWords;

    public NothingToPlaceException(String message, List<String> unknownWords) {
        super(message);
        this.unknownWords = List.copyOf(unknownWords);
    }

    /** Words the lexicon does not know, which may have been the objects meant. */
    public List<String> unknownWords() {
        return unknownWords;
    }
}
