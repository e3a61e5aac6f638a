package dev.lumen.contracts.layout;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One region of a layout: a box and the caption that steers the image tokens inside it
 * (attributes, not relations: "a red apple", not "a red apple on the table"). {@code id} is
 * optional and only echoed (events, metadata) so a client can tell its regions apart; region
 * order is the tie-break when overlapping boxes have the same area.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Region(Box box, String caption, String id) {
    public Region(Box box, String caption) {
        this(box, caption, null);
    }
}
