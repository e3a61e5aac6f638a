// The layout editor: boxes on a canvas of the image's aspect ratio, each with a caption. Boxes are
// DOM elements rather than pixels on a <canvas>, so each one can take keyboard focus, be named to
// a screen reader and be reached with Tab. Coordinates are fractions of the image, origin top-left,
// as the API's layout wants them: [x0, y0, x1, y1].

/** The API refuses a box side under 1/32 of the image; a little over it survives rounding. */
const MIN_SIDE = 0.032;
/** How far one arrow key press moves or resizes a box. */
const KEY_STEP = 0.01;
/** Canvas size in CSS pixels along its longer side. */
const CANVAS_SIDE = 480;

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round4 = (v) => Math.round(v * 10000) / 10000;
const percent = (v) => `${Math.round(v * 100)}%`;

/** Four decimals for the JSON, without letting rounding take a side under the API's minimum. */
function roundBox(box) {
  const r = box.map(round4);
  for (const [lo, hi] of [[0, 2], [1, 3]]) {
    if (r[hi] - r[lo] < 1 / 32 && box[hi] - box[lo] >= 1 / 32) {
      r[hi] = Math.min(1, round4(r[lo] + 1 / 32 + 0.0001));
    }
  }
  return r;
}

export class LayoutEditor {
  /**
   * canvas: the element boxes are drawn on; list: the <ol> of captions; onChange: called after
   * every change of the boxes or captions.
   */
  constructor(canvas, list, onChange) {
    this.canvas = canvas;
    this.list = list;
    this.onChange = onChange;
    this.regions = [];
    this.extra = {};
    this.drag = null;
    canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.pointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.pointerUp(e));
    canvas.addEventListener('pointercancel', (e) => this.pointerUp(e));
  }

  /** Shapes the canvas like the image (width x height pixels). */
  setAspect(width, height) {
    if (!(width > 0 && height > 0)) {
      return;
    }
    this.canvas.style.aspectRatio = `${width} / ${height}`;
    this.canvas.style.width = `min(100%, ${Math.round(CANVAS_SIDE * Math.min(1, width / height))}px)`;
    this.canvas.setAttribute('aria-label', `Layout canvas, ${width} by ${height} pixels`);
  }

  /** The layout for the API, or null when there are no boxes. */
  toLayout() {
    if (this.regions.length === 0) {
      return null;
    }
    return {
      ...this.extra,
      regions: this.regions.map((r) => ({ ...r.extra, box: roundBox(r.box), caption: r.caption })),
    };
  }

  /** Replaces the boxes with those of a layout object (planned, pasted); throws on a wrong shape. */
  load(layout) {
    if (layout === null || typeof layout !== 'object' || Array.isArray(layout)) {
      throw new Error('a layout is an object {caption?, background?, regions: [{box: [x0, y0, x1, y1], caption}], control?}');
    }
    if (!Array.isArray(layout.regions)) {
      throw new Error('"regions" must be an array of {box: [x0, y0, x1, y1], caption}');
    }
    const regions = layout.regions.map((region, i) => {
      if (region === null || typeof region !== 'object') {
        throw new Error(`regions[${i}] must be an object {box, caption}`);
      }
      const { box, caption, ...extra } = region;
      if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new Error(`regions[${i}].box must be four numbers [x0, y0, x1, y1]`);
      }
      if (caption !== undefined && typeof caption !== 'string') {
        throw new Error(`regions[${i}].caption must be a string`);
      }
      return { box: [...box], caption: caption || '', extra };
    });
    const { regions: _ignored, ...extra } = layout;
    this.extra = extra;
    this.regions = regions;
    this.rebuild();
    this.changed();
  }

  clear() {
    this.regions = [];
    this.extra = {};
    this.rebuild();
    this.changed();
  }

  /** Adds a box (fractions) and moves focus to its caption, ready to type. */
  add(box, caption = '') {
    this.regions.push({ box, caption, extra: {} });
    this.rebuild();
    this.changed();
    this.regions.at(-1).captionInput.focus();
  }

  remove(index) {
    this.regions.splice(index, 1);
    this.rebuild();
    this.changed();
    const next = this.regions[Math.min(index, this.regions.length - 1)];
    (next ? next.boxEl : this.canvas).focus();
  }

  /** Shows a problem message next to box index's caption (null clears it). */
  showRegionProblem(index, text) {
    const region = this.regions[index];
    if (!region) {
      return false;
    }
    region.problemEl.textContent = text || '';
    region.problemEl.hidden = !text;
    region.captionInput.setAttribute('aria-invalid', text ? 'true' : 'false');
    region.boxEl.classList.toggle('invalid', Boolean(text));
    return true;
  }

  clearProblems() {
    this.regions.forEach((_, i) => this.showRegionProblem(i, null));
  }

  focusRegion(index) {
    this.regions[index]?.captionInput.focus();
  }

  changed() {
    this.onChange?.();
  }

  /** Recreates the box and list elements (after boxes were added or removed: numbers change). */
  rebuild() {
    this.canvas.replaceChildren();
    this.list.replaceChildren();
    this.regions.forEach((region, i) => {
      const n = i + 1;
      const box = document.createElement('div');
      box.className = 'box';
      box.tabIndex = 0;
      box.setAttribute('role', 'button');
      box.setAttribute('aria-roledescription', 'layout box');
      box.setAttribute('aria-describedby', 'layout-help');
      box.dataset.index = String(i);
      const label = document.createElement('span');
      label.className = 'box-label';
      const handle = document.createElement('span');
      handle.className = 'handle';
      handle.setAttribute('aria-hidden', 'true');
      box.append(label, handle);
      box.addEventListener('keydown', (e) => this.keyDown(e, i));
      this.canvas.append(box);

      const item = document.createElement('li');
      const inputId = `region-caption-${n}`;
      const problemId = `region-${n}-error`;
      const caption = document.createElement('label');
      caption.htmlFor = inputId;
      caption.textContent = `Caption of box ${n}`;
      const input = document.createElement('input');
      input.id = inputId;
      input.type = 'text';
      input.value = region.caption;
      input.setAttribute('aria-describedby', `region-${n}-coords ${problemId}`);
      input.addEventListener('input', () => {
        region.caption = input.value;
        this.place(region, i);
        this.changed();
      });
      const coords = document.createElement('span');
      coords.id = `region-${n}-coords`;
      coords.className = 'coords hint';
      const removeButton = document.createElement('button');
      removeButton.type = 'button';
      removeButton.textContent = 'Remove';
      removeButton.setAttribute('aria-label', `Remove box ${n}`);
      removeButton.addEventListener('click', () => this.remove(i));
      const problem = document.createElement('p');
      problem.id = problemId;
      problem.className = 'problem';
      problem.setAttribute('role', 'alert');
      problem.hidden = true;
      item.append(caption, input, removeButton, coords, problem);
      this.list.append(item);

      Object.assign(region, { boxEl: box, labelEl: label, captionInput: input, coordsEl: coords, problemEl: problem });
      this.place(region, i);
    });
  }

  /** Puts a box's element where its fractions say and updates its text and accessible name. */
  place(region, i) {
    const [x0, y0, x1, y1] = region.box;
    Object.assign(region.boxEl.style, {
      left: `${x0 * 100}%`, top: `${y0 * 100}%`, width: `${(x1 - x0) * 100}%`, height: `${(y1 - y0) * 100}%`,
    });
    const where = `left ${percent(x0)}, top ${percent(y0)}, width ${percent(x1 - x0)}, height ${percent(y1 - y0)}`;
    region.labelEl.textContent = `${i + 1} ${region.caption}`;
    region.boxEl.setAttribute('aria-label', `Box ${i + 1}: ${region.caption || 'no caption yet'}; ${where}`);
    region.coordsEl.textContent = `[${roundBox(region.box).map((v) => v.toFixed(2)).join(', ')}]`;
  }

  update(region, i, box) {
    region.box = box;
    this.place(region, i);
    this.changed();
  }

  keyDown(e, i) {
    const region = this.regions[i];
    const [x0, y0, x1, y1] = region.box;
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (e.key in arrows) {
      const [dx, dy] = arrows[e.key].map((v) => v * KEY_STEP);
      if (e.shiftKey) {
        // Resize from the bottom-right corner, keeping the API's minimum side.
        this.update(region, i, [x0, y0, clamp(x1 + dx, x0 + MIN_SIDE, 1), clamp(y1 + dy, y0 + MIN_SIDE, 1)]);
      } else {
        const mx = clamp(dx, -x0, 1 - x1);
        const my = clamp(dy, -y0, 1 - y1);
        this.update(region, i, [x0 + mx, y0 + my, x1 + mx, y1 + my]);
      }
      e.preventDefault();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      this.remove(i);
      e.preventDefault();
    } else if (e.key === 'Enter') {
      region.captionInput.focus();
      e.preventDefault();
    }
  }

  /** The pointer's position as fractions of the canvas's inside (where boxes are placed), clamped to it. */
  point(e) {
    const rect = this.canvas.getBoundingClientRect();
    const left = rect.left + this.canvas.clientLeft;
    const top = rect.top + this.canvas.clientTop;
    return [clamp((e.clientX - left) / this.canvas.clientWidth, 0, 1),
      clamp((e.clientY - top) / this.canvas.clientHeight, 0, 1)];
  }

  pointerDown(e) {
    if (e.button !== 0) {
      return;
    }
    const [x, y] = this.point(e);
    const boxEl = e.target.closest('.box');
    if (boxEl) {
      const i = Number(boxEl.dataset.index);
      const region = this.regions[i];
      boxEl.focus();
      const mode = e.target.classList.contains('handle') ? 'resize' : 'move';
      this.drag = { mode, i, start: [x, y], box: [...region.box] };
    } else {
      this.drag = { mode: 'draw', start: [x, y], box: [x, y, x, y], i: null };
      const ghost = document.createElement('div');
      ghost.className = 'box ghost';
      ghost.setAttribute('aria-hidden', 'true');
      this.canvas.append(ghost);
      this.drag.ghost = ghost;
    }
    this.canvas.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  pointerMove(e) {
    const drag = this.drag;
    if (!drag) {
      return;
    }
    const [x, y] = this.point(e);
    if (drag.mode === 'draw') {
      const [sx, sy] = drag.start;
      drag.box = [Math.min(sx, x), Math.min(sy, y), Math.max(sx, x), Math.max(sy, y)];
      const [x0, y0, x1, y1] = drag.box;
      Object.assign(drag.ghost.style, {
        left: `${x0 * 100}%`, top: `${y0 * 100}%`, width: `${(x1 - x0) * 100}%`, height: `${(y1 - y0) * 100}%`,
      });
      return;
    }
    const region = this.regions[drag.i];
    const [bx0, by0, bx1, by1] = drag.box;
    if (drag.mode === 'move') {
      const dx = clamp(x - drag.start[0], -bx0, 1 - bx1);
      const dy = clamp(y - drag.start[1], -by0, 1 - by1);
      this.update(region, drag.i, [bx0 + dx, by0 + dy, bx1 + dx, by1 + dy]);
    } else {
      this.update(region, drag.i, [bx0, by0, clamp(x, bx0 + MIN_SIDE, 1), clamp(y, by0 + MIN_SIDE, 1)]);
    }
  }

  pointerUp(e) {
    const drag = this.drag;
    if (!drag) {
      return;
    }
    this.drag = null;
    if (this.canvas.hasPointerCapture(e.pointerId)) {
      this.canvas.releasePointerCapture(e.pointerId);
    }
    if (drag.mode === 'draw') {
      drag.ghost.remove();
      const [x0, y0, x1, y1] = drag.box;
      // A click, or a box too small for the API, draws nothing.
      if (x1 - x0 >= MIN_SIDE && y1 - y0 >= MIN_SIDE) {
        this.add(drag.box);
      }
    }
  }
}
