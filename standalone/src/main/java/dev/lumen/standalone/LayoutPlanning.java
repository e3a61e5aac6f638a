package dev.lumen.standalone;

import dev.lumen.engine.layout.RegionalLayout;

/**
 * Turns a prompt into a layout for {@code ./lumen generate --layout auto} (layout.md §6: parse,
 * place, score). The command line calls it and runs the result like a layout file; the planner
 * itself lives in layout-service.
 */
@FunctionalInterface
interface LayoutPlanning {

    /** layout-service's rule planner, in this process (layout.md §6.2–§6.4). */
    LayoutPlanning RULE_PLANNER = (prompt, width, height) -> {
        try {
            return dev.lumen.worker.EngineLayouts.toEngine(
                    dev.lumen.layout.LayoutPlanning.create().plan(prompt, width, height).layout());
        } catch (dev.lumen.layout.planner.NothingToPlaceException e) {
            throw new IllegalArgumentException("--layout auto: " + e.getMessage(), e);
        }
    };

    /** A layout for {@code prompt} on a {@code width × height} image; its caption is the prompt. */
    RegionalLayout plan(String prompt, int width, int height);
}
