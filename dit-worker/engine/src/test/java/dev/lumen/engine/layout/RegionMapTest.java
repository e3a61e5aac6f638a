package dev.lumen.engine.layout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumen.engine.layout.RegionalLayout.Box;
import dev.lumen.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The box → token rule (layout.md §3.3) against {@code golden/regional_cases.json}: the token maps
 * of the tensor goldens and the edge-rule cases (half-open edges, smallest-area-wins and its tie,
 * the centre-token fallback, boxes left without tokens, non-square grids).
 */
class RegionMapTest {

    static Stream<Arguments> cases() throws IOException {
        JsonNode root = JsonMapper.builder().build()
                .readTree(Files.readString(Fixtures.root().resolve("golden/regional_cases.json")));
        List<Arguments> out = new ArrayList<>();
        for (var e : root.get("cases").properties()) {
            out.add(Arguments.of(e.getKey(), e.getValue()));
        }
        for (JsonNode c : root.get("box_to_region_id_map_tests")) {
            out.add(Arguments.of(c.get("note").asString(), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tokenMapFollowsTheReferenceRule(String name, JsonNode c) {
        List<Box> boxes = new ArrayList<>();
        for (JsonNode b : c.get("boxes")) {
            boxes.add(new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()));
        }
        int h = c.get("grid").get(0).asInt();
        int w = c.get("grid").get(1).asInt();
        RegionMap map = RegionMap.of(boxes, h, w);
        int[] expected = new int[h * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                expected[i * w + j] = c.get("region_ids").get(i).get(j).asInt();
            }
        }
        assertThat(map.ids()).as(name).containsExactly(expected);
        if (c.has("fallback_regions")) {
            assertThat(map.fallbackRegions()).containsExactlyElementsOf(ints(c.get("fallback_regions")));
            assertThat(map.regionsWithoutTokens()).containsExactlyElementsOf(ints(c.get("regions_without_tokens")));
        }
        int total = 0;
        for (int r = 0; r <= boxes.size(); r++) {
            total += map.tokenCount(r);
        }
        assertThat(total).as("a partition of the tokens").isEqualTo(h * w);
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Test
    void warningsNameTheRegionsAsTheLayoutJsonDoes() {
        RegionMap map = RegionMap.of(List.of(new Box(0, 0, 0.5, 0.5), new Box(0, 0, 0.25, 0.5), new Box(0.25, 0, 0.5, 0.5),
                new Box(0.3, 0.55, 0.45, 0.6)), 4, 4);
        assertThat(map.warnings()).containsExactly(
                "regions[3].box covers no token centre of the 4×4 token grid; it gets the one token containing its centre",
                "regions[0].box keeps no token (smaller boxes cover all of it); its caption has no effect");
    }

    @Test
    void boxesMapIntoTheBinnedCanvasLikeDiffusersCropsIt() {
        // 768×432 requested, generated at the 1344×768 bin: scale s = 768/1344, resized 768×438,
        // centre crop from row 3. Worked by hand: Y = (y·432 + 3) / 438.857…, X = x.
        Box canvas = RegionMap.toBinnedCanvas(new Box(0.25, 0, 0.75, 1), 768, 432, 1344, 768);
        assertThat(canvas.x0()).isEqualTo(0.25);
        assertThat(canvas.x1()).isEqualTo(0.75);
        assertThat(canvas.y0()).isEqualTo(0.0068359375);
        assertThat(canvas.y1()).isEqualTo(0.9912109375);
        Box same = new Box(0.1, 0.2, 0.3, 0.4);
        assertThat(RegionMap.toBinnedCanvas(same, 512, 512, 512, 512)).isEqualTo(same);
    }
}
