"""The "shapes" domain: scenes of 1-3 flat-coloured shapes on a light background, their captions
(a small grammar with paraphrases) and a numpy renderer. Everything is driven by a seeded
numpy Generator, so a seed always gives the same scene, caption and pixels.

The geometry here is the contract the Java scorer (`eval/domain.json`) relies on."""
import json
import numpy as np

WIDTH = HEIGHT = 64
BACKGROUND = (222, 255)
COLOURS = {
    "red": (220, 40, 40), "orange": (245, 140, 30), "yellow": (240, 210, 40), "green": (40, 170, 60),
    "cyan": (40, 200, 220), "blue": (40, 70, 220), "purple": (140, 50, 190), "black": (30, 30, 30),
}
COLOUR_JITTER = 8
SHAPES = ("circle", "square", "triangle")
PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles"}
SIZES = {"small": (5.0, 6.5), "medium": (8.0, 9.5), "large": (11.0, 13.0)}
GRID = 3
JITTER = 3
# Colour-shape pairs never drawn in training: the compositional generalisation test.
HELD_OUT = {("purple", "triangle"), ("cyan", "square"), ("orange", "circle")}
COUNT_WORDS = {1: "one", 2: "two", 3: "three"}

# Phrases for the 3x3 cells, (row, col) -> (prepositional phrases, terse forms).
PLACES = {
    (0, 0): (["in the top left", "in the upper left", "at the top left", "in the top left corner"], ["top left", "upper left"]),
    (0, 1): (["at the top", "at the top center", "in the top middle"], ["top", "top center"]),
    (0, 2): (["in the top right", "in the upper right", "at the top right", "in the top right corner"], ["top right", "upper right"]),
    (1, 0): (["on the left", "at the left", "in the middle left"], ["left", "middle left"]),
    (1, 1): (["in the center", "in the middle", "at the center"], ["center", "middle"]),
    (1, 2): (["on the right", "at the right", "in the middle right"], ["right", "middle right"]),
    (2, 0): (["in the bottom left", "in the lower left", "at the bottom left", "in the bottom left corner"], ["bottom left", "lower left"]),
    (2, 1): (["at the bottom", "at the bottom center", "in the bottom middle"], ["bottom", "bottom center"]),
    (2, 2): (["in the bottom right", "in the lower right", "at the bottom right", "in the bottom right corner"], ["bottom right", "lower right"]),
}
RELATIONS = {  # relation -> phrases, and the cell offset (drow, dcol) from subject to object
    "left of": (["to the left of", "left of", "on the left of"], (0, 1)),
    "right of": (["to the right of", "right of", "on the right of"], (0, -1)),
    "above": (["above", "over"], (1, 0)),
    "below": (["below", "under", "beneath"], (-1, 0)),
}
GROUP_WEIGHTS = {"one": 0.35, "two": 0.25, "relation": 0.15, "three": 0.13, "count": 0.12}


def cell_centre(row, col):
    return ((col + 0.5) / GRID * WIDTH, (row + 0.5) / GRID * HEIGHT)


def domain_json():
    return {
        "version": 1, "width": WIDTH, "height": HEIGHT,
        "background": {"min": BACKGROUND[0], "max": BACKGROUND[1]},
        "colours": {k: list(v) for k, v in COLOURS.items()},
        "shapes": list(SHAPES), "sizes": {k: list(v) for k, v in SIZES.items()},
        "grid": GRID, "jitter": JITTER,
    }


# ----------------------------------------------------------------------------------------- scenes

class Obj:
    """One shape: what the caption may say about it, and where it is actually drawn."""
    def __init__(self, colour, shape, size, cell, said_size, said_cell):
        self.colour, self.shape, self.size, self.cell = colour, shape, size, cell
        self.said_size, self.said_cell = said_size, said_cell
        self.cx = self.cy = self.h = 0.0
        self.rgb = COLOURS[colour]

    def spec(self):
        return {"colour": self.colour, "shape": self.shape,
                "size": self.size if self.said_size else None,
                "cell": list(self.cell) if self.said_cell else None}


def _pick_pair(rng, used_colours, allow_held_out):
    while True:
        colour = str(rng.choice(list(COLOURS)))
        shape = str(rng.choice(SHAPES))
        if colour in used_colours:
            continue
        if not allow_held_out and (colour, shape) in HELD_OUT:
            continue
        return colour, shape


def _pick_size(rng, say_probability):
    """A named size (small/large) or an unnamed one, which means medium."""
    if rng.random() < say_probability:
        return str(rng.choice(["small", "large"])), True
    return "medium", False


def sample_scene(rng, group=None, allow_held_out=False, held_out_only=False):
    """Returns (group, objects, relations). Objects get their pixel geometry placed here."""
    if group is None:
        group = str(rng.choice(list(GROUP_WEIGHTS), p=list(GROUP_WEIGHTS.values())))
    cells = [(r, c) for r in range(GRID) for c in range(GRID)]
    objects, relations = [], []
    if group in ("one", "heldout"):
        if held_out_only:
            colour, shape = sorted(HELD_OUT)[int(rng.integers(len(HELD_OUT)))]
        else:
            colour, shape = _pick_pair(rng, set(), allow_held_out)
        size, said_size = _pick_size(rng, 0.5)
        cell = cells[int(rng.integers(9))]
        objects.append(Obj(colour, shape, size, cell, said_size, rng.random() < 0.8))
    elif group in ("two", "three"):
        n = 2 if group == "two" else 3
        chosen = rng.choice(9, size=n, replace=False)
        used = set()
        for k in range(n):
            colour, shape = _pick_pair(rng, used, allow_held_out)
            used.add(colour)
            size, said_size = _pick_size(rng, 0.4)
            objects.append(Obj(colour, shape, size, cells[int(chosen[k])], said_size, True))
    elif group == "relation":
        relation = str(rng.choice(list(RELATIONS)))
        dr, dc = RELATIONS[relation][1]
        while True:
            r, c = int(rng.integers(3)), int(rng.integers(3))
            r2, c2 = r + dr * int(rng.integers(1, 3)), c + dc * int(rng.integers(1, 3))
            if 0 <= r2 < 3 and 0 <= c2 < 3:
                break
        used = set()
        for cell in ((r, c), (r2, c2)):
            colour, shape = _pick_pair(rng, used, allow_held_out)
            used.add(colour)
            size, said_size = _pick_size(rng, 0.3)
            objects.append(Obj(colour, shape, size, cell, said_size, False))
        relations.append({"subject": 0, "relation": relation, "object": 1})
    elif group == "count":
        n = int(rng.integers(2, 4))
        colour, shape = _pick_pair(rng, set(), allow_held_out)
        size, said_size = _pick_size(rng, 0.3)
        chosen = rng.choice(9, size=n, replace=False)
        for k in range(n):
            objects.append(Obj(colour, shape, size, cells[int(chosen[k])], said_size, False))
    else:
        raise ValueError("unknown group " + group)
    _place(rng, objects)
    return group, objects, relations


def _place(rng, objects):
    """Pixel centre and half-extent for each object; re-jitters until bounding boxes don't touch."""
    for _ in range(50):
        for o in objects:
            cx, cy = cell_centre(*o.cell)
            o.cx = cx + rng.uniform(-JITTER, JITTER)
            o.cy = cy + rng.uniform(-JITTER, JITTER)
            o.h = rng.uniform(*SIZES[o.size])
        if all(not _touch(a, b) for i, a in enumerate(objects) for b in objects[i + 1:]):
            return
    # Adjacent large shapes cannot always be separated by jitter: shrink them to medium.
    for o in objects:
        if o.size == "large":
            o.size, o.said_size = "medium", False
    _place(rng, objects)


def _touch(a, b):
    return abs(a.cx - b.cx) < a.h + b.h + 1 and abs(a.cy - b.cy) < a.h + b.h + 1


# --------------------------------------------------------------------------------------- captions

def _object_phrase(rng, o, article=True, with_place=True, terse=False):
    words = []
    if article and not terse:
        words.append("a" if rng.random() < 0.85 else "one")
    if o.said_size:
        words.append(o.size)
    words += [o.colour, o.shape]
    text = " ".join(words)
    if with_place and o.said_cell:
        prep, short = PLACES[o.cell]
        if terse:
            text += ", " + str(rng.choice(short)) if rng.random() < 0.6 else " " + str(rng.choice(short))
        else:
            text += " " + str(rng.choice(prep))
    return text


def caption(rng, group, objects, relations):
    """A fresh paraphrase for the scene: called again each time a scene is used in training."""
    terse = rng.random() < 0.25
    if group in ("one", "heldout"):
        return _object_phrase(rng, objects[0], terse=terse)
    if group in ("two", "three"):
        parts = [_object_phrase(rng, o, terse=terse) for o in rng.permutation(objects)]
        if len(parts) == 2:
            return parts[0] + str(rng.choice([" and ", " and ", " with "])) + parts[1]
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    if group == "relation":
        rel = relations[0]
        a, b = objects[rel["subject"]], objects[rel["object"]]
        return (_object_phrase(rng, a, with_place=False) + " "
                + str(rng.choice(RELATIONS[rel["relation"]][0])) + " "
                + _object_phrase(rng, b, with_place=False))
    if group == "count":
        o = objects[0]
        words = [COUNT_WORDS[len(objects)]]
        if o.said_size:
            words.append(o.size)
        words += [o.colour, PLURALS[o.shape]]
        return " ".join(words)
    raise ValueError(group)


# --------------------------------------------------------------------------------------- renderer

_SS = 2  # supersampling factor: anti-aliased edges like a real renderer


def _coverage(o, xs, ys):
    if o.shape == "circle":
        return (xs - o.cx) ** 2 + (ys - o.cy) ** 2 <= o.h ** 2
    if o.shape == "square":
        return (np.abs(xs - o.cx) <= o.h) & (np.abs(ys - o.cy) <= o.h)
    # Upward isosceles triangle, width 2h and height 2h, centroid at (cx, cy).
    top, base = o.cy - 4.0 * o.h / 3.0, o.cy + 2.0 * o.h / 3.0
    frac = (ys - top) / (base - top)
    return (ys >= top) & (ys <= base) & (np.abs(xs - o.cx) <= frac * o.h)


def render(rng, objects):
    """uint8 HxWx3 image. Colours get a small per-image jitter; the background a light tint."""
    n = WIDTH * _SS
    coords = (np.arange(n) + 0.5) / _SS
    xs, ys = np.meshgrid(coords, coords)
    bg = rng.integers(BACKGROUND[0], BACKGROUND[1] + 1, size=3)
    img = np.empty((n, n, 3), np.float32)
    img[:] = bg
    for o in objects:
        rgb = np.clip(np.array(o.rgb) + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, size=3), 0, 255)
        img[_coverage(o, xs, ys)] = rgb
    img = img.reshape(WIDTH, _SS, HEIGHT, _SS, 3).mean(axis=(1, 3))
    return np.round(img).astype(np.uint8)


def scene_record(group, objects, relations):
    return {"group": group, "objects": [o.spec() for o in objects], "relations": relations}


def make_eval_set(seed=20261122):
    """The held-out eval prompts (eval/prompts.json): fixed captions and seeds, with what each
    caption asks for. Multi-object captions are new combinations; the heldout group uses colour-shape
    pairs the training never draws."""
    return {"version": 1, "prompts": [p for p, _ in eval_scenes(seed)]}


def eval_scenes(seed=20261122):
    """(prompt record, placed objects) pairs of the eval set; the objects draw its ground truth."""
    rng = np.random.default_rng(seed)
    plan = [("one", 48), ("heldout", 24), ("two", 48), ("relation", 32), ("three", 24), ("count", 24)]
    prompts, seen = [], set()
    for group, n in plan:
        k = 0
        while k < n:
            g, objects, relations = sample_scene(rng, group, allow_held_out=False,
                                                 held_out_only=(group == "heldout"))
            if group == "one":
                objects[0].said_cell = True  # every single-object eval caption names its place
            text = caption(rng, g, objects, relations)
            if text in seen:
                continue
            seen.add(text)
            prompts.append(({"id": f"{group}-{k:03d}", "group": group, "caption": text,
                             "seed": int(1000 + len(prompts)),
                             "objects": [o.spec() for o in objects], "relations": relations}, objects))
            k += 1
    return prompts


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    for _ in range(12):
        g, objs, rels = sample_scene(rng)
        print(g, "|", caption(rng, g, objs, rels))
    print(json.dumps(make_eval_set()["prompts"][:2], indent=1))
