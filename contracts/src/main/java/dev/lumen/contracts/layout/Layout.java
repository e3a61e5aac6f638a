package dev.lumen.contracts.layout;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A layout prompt ({@code layout.md} §4; DESIGN §2): the global caption, an optional background
 * caption (the scene without the entities; the engine uses the global caption when absent), the
 * regions (box + caption each) and optional regional-attention knobs. The same JSON travels in the
 * public API, in Kafka ({@code GenerationSpec.layout}), in image metadata and in layout-service's
 * answers. A record accepts anything so that bad input can be read and reported;
 * {@link LayoutValidator} decides what is valid and {@link LayoutJson} reads untrusted JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Layout(String caption, String background, List<Region> regions, Control control) {

    public Layout {
        // Not List.copyOf: a null element must survive to be reported by the validator, not throw here.
        regions = regions == null ? null : Collections.unmodifiableList(new ArrayList<>(regions));
    }

    public Layout(String caption, List<Region> regions) {
        this(caption, null, regions, null);
    }

    public Layout withCaption(String newCaption) {
        return new Layout(newCaption, background, regions, control);
    }

    public Layout withControl(Control newControl) {
        return new Layout(caption, background, regions, newControl);
    }
}
