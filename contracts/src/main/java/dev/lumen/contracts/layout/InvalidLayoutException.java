package dev.lumen.contracts.layout;

import java.util.List;

/** A layout that breaks the rules of {@link LayoutValidator}; carries every problem found, first one in the message. */
public class InvalidLayoutException extends IllegalArgumentException {
    private final transient List<LayoutProblem> problems;

    public InvalidLayoutException(List<LayoutProblem> problems) {
        super(message(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid layout needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<LayoutProblem> problems() {
        return problems;
    }

    /** The first problem: the field to point a client at. */
    public LayoutProblem first() {
        return problems.getFirst();
    }

    private static String message(List<LayoutProblem> problems) {
        if (problems.isEmpty()) {
            return "invalid layout";
        }
        String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem"
                + (problems.size() > 2 ? "s" : "") + ")" : "";
        return problems.getFirst() + more;
    }
}
