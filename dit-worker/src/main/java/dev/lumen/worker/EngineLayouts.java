package dev.lumen.worker;

import dev.lumen.contracts.layout.Box;
import dev.lumen.contracts.layout.Control;
import dev.lumen.contracts.layout.Layout;
import dev.lumen.contracts.layout.Overlap;
import dev.lumen.contracts.layout.Region;
import dev.lumen.engine.layout.LayoutException;
import dev.lumen.engine.layout.RegionalLayout;
import java.util.ArrayList;
import java.util.List;

/** Maps the API's layout (contracts) onto the engine's regional-attention input. */
public final class EngineLayouts {
    private EngineLayouts() {
    }

    /**
     * The one place where a job's layout meets the engine (issue 8): maps the contract's
     * {@link Layout} (validated by the codec: output-relative boxes {@code [x0, y0, x1, y1]}, the
     * global caption, optional background, and {@code control} knobs, any of them null for the
     * engine default) onto the engine's regional-attention input. {@code null} for no layout. The
     * engine's own checks (its region cap, minimum side) surface as an invalid spec.
     */
    public static RegionalLayout toEngine(Layout layout) {
        if (layout == null) {
            return null;
        }
        Control knobs = layout.control() == null ? Control.DEFAULTS : layout.control();
        if (knobs.overlap() == Overlap.UNION) {
            throw new InvalidSpecException("layout_not_supported", "layout.control.overlap \"union\" is not supported "
                    + "by this engine; use \"smallest-wins\" (the default)");
        }
        RegionalLayout.Control defaults = RegionalLayout.Control.DEFAULTS;
        List<RegionalLayout.Region> regions = new ArrayList<>();
        for (Region r : layout.regions()) {
            Box b = r.box();
            regions.add(new RegionalLayout.Region(new RegionalLayout.Box(b.x0(), b.y0(), b.x1(), b.y1()), r.caption()));
        }
        try {
            return new RegionalLayout(layout.caption(), layout.background(), regions, new RegionalLayout.Control(
                    knobs.strength() != null ? knobs.strength() : defaults.strength(),
                    knobs.untilT() != null ? knobs.untilT() : defaults.untilT(),
                    knobs.selfAttention() != null ? knobs.selfAttention() : defaults.selfAttention(),
                    RegionalLayout.Overlap.SMALLEST_WINS));
        } catch (LayoutException e) {
            throw new InvalidSpecException("invalid_layout", e.getMessage());
        }
    }

}
