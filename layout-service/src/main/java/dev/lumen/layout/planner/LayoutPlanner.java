package dev.lumen.layout.planner;

/**
 * Turns text into a layout ({@code layout.md} §6.1). Implementations are deterministic: the same
 * request and planner version give the same layout. {@link RulePlanner} is the one built in.
 */
public interface LayoutPlanner {
    /** {@code rule}, {@code llm}, … */
    String name();

    /** The planner's version, which includes its lexicon or prompt: a new version may plan differently. */
    String version();

    /**
     * Plans a layout.
     *
     * @throws NothingToPlaceException when the text names nothing this planner can place
     */
    PlanResult plan(PlanRequest request);
}
