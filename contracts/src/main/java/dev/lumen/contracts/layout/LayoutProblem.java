package dev.lumen.contracts.layout;

/**
 * One thing wrong with a layout: the JSON path of the field at fault
 * ({@code layout.regions[2].box.x1}) and what is wrong with it, for people.
 */
public record LayoutProblem(String field, String message) {
    @Override
    public String toString() {
        return field + " " + message;
    }
}
