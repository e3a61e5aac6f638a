package dev.lumen.engine.pipeline;

/** Thrown between denoising steps when the caller's cancellation signal is set. */
public class GenerationCancelledException extends RuntimeException {
    public GenerationCancelledException(int completedSteps) {
        super("generation cancelled after " + completedSteps + " step(s)");
    }
}
