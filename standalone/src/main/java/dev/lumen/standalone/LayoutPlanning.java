package dev.lumen.standalone;

import dev.lumen.engine.layout.RegionalLayout;

/**
 * Turns a prompt into a layout for {@code ./lumen generate --layout auto} (layout.md §6: parse,
 * place, score). The command line calls it and runs the result like a layout file; the planner
 * itself lives in layout-service.
 */
@FunctionalInterface
interface LayoutPlanning {

    /** What {@code generate} uses until a planner is wired in: it explains that none is available. */
    LayoutPlanning UNAVAILABLE = (prompt, width, height) -> {
        throw new IllegalArgumentException("--layout auto needs the layout planner, which this build does not include "
                + "yet; pass a layout JSON file instead (--layout FILE.json, layout.md §4)");
    };

    /** A layout for {@code prompt} on a {@code width × height} image; its caption is the prompt. */
    RegionalLayout plan(String prompt, int width, int height);
}
