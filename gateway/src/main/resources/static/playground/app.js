// The playground page: a request form, a layout editor, a job followed through its event stream,
// and the tenant's recent jobs. Everything goes through the public API (api.js).

import { api, apiKey, ApiError, openStream } from './api.js';
import { readEvents } from './sse.js';
import { LayoutEditor } from './layout-editor.js';
import { curlCommand, requestFromJob } from './curl.js';

const $ = (id) => document.getElementById(id);
const GALLERY_SIZE = 12;
const TERMINAL_EVENTS = new Set(['completed', 'failed', 'cancelled']);
const TERMINAL_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
const STATUS_TEXT = {
  accepted: 'Accepted, waiting for the scheduler…',
  queued: 'Queued…',
  running: 'Running…',
  succeeded: 'Done.',
  failed: 'Failed.',
  cancelled: 'Cancelled.',
  expired: 'Expired before it could run.',
};
/** Request fields of the API and the form control each one's errors belong to. */
const FIELD_CONTROLS = {
  prompt: 'prompt',
  negative_prompt: 'negative-prompt',
  model: 'model',
  size: 'width',
  steps: 'steps',
  sampler: 'sampler',
  guidance_scale: 'guidance',
  seed: 'seed',
  token_density: 'token-density',
};

let models = [];
/** The token-density select's first option, "none": the presets of the chosen model follow it. */
const noTokenDensity = $('token-density').options[0];
/** The job shown in the result panel: {id, job, request, controller}. */
let current = null;
const thumbnails = new Map();

const editor = new LayoutEditor($('layout-canvas'), $('region-list'), layoutChanged);

// ------------------------------------------------------------------ errors next to their fields

function clearProblems(root = document) {
  root.querySelectorAll('.problem').forEach((p) => {
    p.hidden = true;
    p.textContent = '';
  });
  root.querySelectorAll('[aria-invalid="true"]').forEach((c) => c.setAttribute('aria-invalid', 'false'));
  root.querySelectorAll('.box.invalid').forEach((b) => b.classList.remove('invalid'));
}

function showAt(elementId, text, controlId) {
  const p = $(elementId);
  p.textContent = text;
  p.hidden = false;
  const control = controlId ? $(controlId) : null;
  control?.setAttribute('aria-invalid', 'true');
  return control;
}

/** Puts one message where the field it names is; returns the control to focus, if any. */
function showFieldProblem(field, text, fallbackId) {
  const region = /^layout\.regions\[(\d+)\]/.exec(field || '');
  if (region && editor.showRegionProblem(Number(region[1]), text)) {
    return editor.regions[Number(region[1])].captionInput;
  }
  if (field && field.startsWith('layout')) {
    return showAt('layout-error', text, null);
  }
  if (field && FIELD_CONTROLS[field]) {
    const control = FIELD_CONTROLS[field];
    showAt(`${field}-error`, text, control);
    if (field === 'size') {
      $('height').setAttribute('aria-invalid', 'true');
    }
    return $(control);
  }
  showAt(fallbackId, text, null);
  return null;
}

/**
 * Shows an API error: each problem of a layout next to its box, a field's problem next to its
 * control, a missing key next to the key, anything else in fallbackId.
 */
function showProblem(error, fallbackId) {
  if (!(error instanceof ApiError)) {
    showAt(fallbackId, `Error: ${error.message}`, null);
    console.error(error);
    return;
  }
  let focus = null;
  if (error.errors.length > 0) {
    for (const e of error.errors) {
      focus = showFieldProblem(e.field, `${error.title}: "${e.field}" ${e.message}`, fallbackId) || focus;
    }
    if (error.field && !error.field.startsWith('layout.regions')) {
      showFieldProblem(error.field, error.text, fallbackId);
    }
  } else if (error.status === 401) {
    focus = showAt('api-key-error', error.text, 'api-key');
  } else {
    focus = showFieldProblem(error.field, error.text, fallbackId);
  }
  focus?.focus();
}

// ------------------------------------------------------------------ the form

function applyModelDefaults(model) {
  const d = model?.defaults;
  if (!d) {
    return;
  }
  const [w, h] = d.size.split('x');
  $('width').value = w;
  $('height').value = h;
  $('steps').value = d.steps;
  $('sampler').value = d.sampler;
  $('guidance').value = d.guidance_scale;
  sizeChanged();
}

/**
 * The token-density presets the model takes, as GET /v1/models lists them, each experimental one
 * labelled so (it missed its quality bar): the page holds no list of its own that could drift.
 * A choice the new list still has is kept.
 */
function showTokenDensityPresets(model) {
  const select = $('token-density');
  const previous = select.value;
  const presets = (model?.token_density_presets ?? []).map(
    (p) => new Option(p.experimental ? `${p.name} (experimental)` : p.name, p.name));
  select.replaceChildren(noTokenDensity, ...presets);
  select.value = presets.some((o) => o.value === previous) ? previous : '';
}

function modelChanged() {
  const model = models.find((m) => m.id === $('model').value);
  applyModelDefaults(model);
  showTokenDensityPresets(model);
}

async function loadModels() {
  clearProblems($('api-key').closest('.field'));
  try {
    const list = await api.models();
    models = list.data;
    const select = $('model');
    const previous = select.value;
    select.replaceChildren(...models.map((m) => new Option(m.id, m.id)));
    if (models.some((m) => m.id === previous)) {
      select.value = previous;
    } else {
      applyModelDefaults(models[0]);
    }
    showTokenDensityPresets(models.find((m) => m.id === select.value));
  } catch (e) {
    showProblem(e, 'form-error');
  }
}

function sizeChanged() {
  editor.setAspect(Number($('width').value), Number($('height').value));
}

function numberOf(id) {
  const value = $(id).value.trim();
  return value === '' ? undefined : Number(value);
}

/** The body of POST /v1/jobs from the form: fields left empty are left out (the model's defaults apply). */
function readRequest() {
  const body = { model: $('model').value || undefined, prompt: $('prompt').value };
  const negative = $('negative-prompt').value;
  if (negative.trim() !== '') {
    body.negative_prompt = negative;
  }
  const width = $('width').value.trim();
  const height = $('height').value.trim();
  if (width !== '' || height !== '') {
    body.size = `${width}x${height}`;
  }
  body.steps = numberOf('steps');
  body.sampler = $('sampler').value || undefined;
  body.guidance_scale = numberOf('guidance');
  body.seed = numberOf('seed');
  if ($('token-density').value !== '') {
    body.token_density = $('token-density').value;
  }
  const layout = editor.toLayout();
  if (layout) {
    body.layout = layout;
  }
  return JSON.parse(JSON.stringify(body)); // drops the undefined fields
}

async function submit(event) {
  event.preventDefault();
  clearProblems($('generate'));
  const request = readRequest();
  $('submit').disabled = true;
  try {
    const job = await api.submit(request);
    follow(job, request);
  } catch (e) {
    showProblem(e, 'form-error');
  } finally {
    $('submit').disabled = false;
  }
}

function randomSeed() {
  // Up to 2^53 - 1: the API's range, and exact in a JavaScript number.
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo;
}

// ------------------------------------------------------------------ the layout

function layoutChanged() {
  const json = $('layout-json');
  if (document.activeElement !== json) {
    json.value = JSON.stringify(editor.toLayout() ?? { regions: [] }, null, 2);
  }
}

async function plan() {
  clearProblems($('generate'));
  $('plan').disabled = true;
  try {
    const planned = await api.planLayout($('prompt').value, Number($('width').value), Number($('height').value));
    editor.load(planned.layout);
  } catch (e) {
    showProblem(e, 'layout-error');
  } finally {
    $('plan').disabled = false;
  }
}

function applyLayoutJson() {
  clearProblems($('layout-json-details'));
  try {
    const text = $('layout-json').value.trim();
    const layout = text === '' ? { regions: [] } : JSON.parse(text);
    editor.load(layout);
  } catch (e) {
    showAt('layout-json-error', `Not a layout: ${e.message}`, 'layout-json');
  }
}

async function copyText(text, feedbackId) {
  try {
    await navigator.clipboard.writeText(text);
    if (feedbackId) {
      $(feedbackId).textContent = 'Copied.';
    }
  } catch {
    if (feedbackId) {
      $(feedbackId).textContent = 'Copying is blocked here; select the text and copy it.';
    }
  }
}

// ------------------------------------------------------------------ the job

function setStatus(text) {
  $('job-status').textContent = text;
}

function setProgress(step, steps) {
  const bar = $('progress');
  bar.max = Math.max(1, steps);
  bar.value = step;
  $('progress-label').textContent = `${step} of ${steps} steps`;
}

/** Shows a job in the result panel and, unless it has ended, follows its events. */
function follow(job, request) {
  current?.controller.abort();
  current = { id: job.id, job, request: request ?? requestFromJob(job), controller: new AbortController() };
  $('result').dataset.jobId = job.id;
  $('result').dataset.status = job.status;
  setStatus(`${STATUS_TEXT[job.status] || job.status} Job ${job.id}.`);
  const progress = job.progress ?? { step: 0, steps: job.steps };
  setProgress(progress.step, progress.steps);
  $('job-error').hidden = true;
  $('preview-figure').hidden = true;
  $('preview').removeAttribute('src');
  $('images').replaceChildren();
  $('job-settings').hidden = true;
  $('curl-box').hidden = true;
  if (TERMINAL_STATUSES.has(job.status)) {
    $('cancel').disabled = true;
    finish(current, job);
  } else {
    $('cancel').disabled = false;
    watch(current);
  }
  refreshGallery();
}

/** Reads the job's events; reconnects if the stream ends early (its first event is the state then). */
async function watch(followed) {
  const { signal } = followed.controller;
  for (let attempt = 0; attempt < 6 && !signal.aborted; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
    try {
      const response = await openStream(followed.job.urls.events, signal);
      for await (const event of readEvents(response)) {
        if (signal.aborted) {
          return;
        }
        attempt = 0;
        onEvent(followed, event.event, JSON.parse(event.data));
        if (TERMINAL_EVENTS.has(event.event)) {
          return;
        }
      }
    } catch (e) {
      if (signal.aborted) {
        return;
      }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        showProblem(e, 'job-error');
        return;
      }
    }
  }
  if (!signal.aborted) {
    showAt('job-error', 'Lost the event stream of this job; it may still be running. Refresh the gallery to see it.', null);
  }
}

function onEvent(followed, name, data) {
  const result = $('result');
  switch (name) {
    case 'queued':
      result.dataset.status = data.status;
      setStatus(`${STATUS_TEXT[data.status] || 'Queued…'} Job ${data.id}.`);
      break;
    case 'started':
      result.dataset.status = 'running';
      setStatus(`Running. Job ${data.id}.`);
      break;
    case 'progress':
      result.dataset.status = 'running';
      setProgress(data.step, data.steps);
      setStatus(`Denoising: step ${data.step} of ${data.steps}. Job ${data.id}.`);
      if (data.preview) {
        $('preview').src = `data:image/png;base64,${data.preview}`;
        $('preview-figure').hidden = false;
      }
      break;
    default:
      finish(followed, data);
  }
}

/** A job that ended: its images, its settings and the curl command that reproduces it. */
async function finish(followed, job) {
  if (followed !== current) {
    return;
  }
  followed.job = job;
  $('cancel').disabled = true;
  $('result').dataset.status = job.status;
  setStatus(`${STATUS_TEXT[job.status] || job.status} Job ${job.id}.`);
  if (job.progress) {
    setProgress(job.progress.step, job.progress.steps);
  }
  if (job.error) {
    showAt('job-error', `${job.error.code}: ${job.error.message}`, null);
  }
  showSettings(job);
  const body = { ...followed.request, seed: job.seed };
  $('curl').value = curlCommand(window.location.origin, body, apiKey.get() !== '');
  $('curl-box').hidden = false;
  refreshGallery();
  if (job.status === 'succeeded') {
    $('preview-figure').hidden = true;
    const figures = [];
    for (const image of job.images ?? []) {
      try {
        const link = await api.imageLink(image.url);
        figures.push(imageFigure(job, image, link.url));
      } catch (e) {
        showProblem(e, 'job-error');
      }
    }
    if (followed === current) {
      $('images').replaceChildren(...figures);
    }
  }
}

function imageFigure(job, image, url) {
  const figure = document.createElement('figure');
  const img = document.createElement('img');
  img.className = 'result-image';
  img.src = url;
  img.width = image.width;
  img.height = image.height;
  img.alt = `Image ${image.index + 1} of job ${job.id}: ${job.prompt}`;
  const caption = document.createElement('figcaption');
  const open = document.createElement('a');
  open.href = url;
  open.target = '_blank';
  open.rel = 'noopener';
  open.textContent = `PNG ${image.width}×${image.height}`;
  caption.append(open, ` (the link works for a few minutes)`);
  figure.append(img, caption);
  return figure;
}

/**
 * What a job asked for and what ran: "balanced: preset balanced, 0.89 of dense transformer FLOPs",
 * followed by " (experimental)" when the worker reports that what ran is experimental. A job that
 * asked for nothing shows nothing here, even though its report says dense.
 */
function tokenDensityText(density) {
  if (!density || density.requested === undefined) {
    return null;
  }
  const asked = typeof density.requested === 'object' ? JSON.stringify(density.requested) : String(density.requested);
  if (density.fraction === undefined) {
    return asked;
  }
  const ran = `${asked}: ${density.plan}, ${density.fraction.toFixed(3)} of dense transformer FLOPs`;
  return density.experimental === true ? `${ran} (experimental)` : ran;
}

function showSettings(job) {
  const entries = [
    ['Job', job.id],
    ['Status', job.status],
    ['Model', job.model],
    ['Prompt', job.prompt],
    ['Negative prompt', job.negative_prompt],
    ['Size', job.size],
    ['Seed', job.seed],
    ['Steps', job.steps],
    ['Sampler', job.sampler],
    ['Guidance scale', job.guidance_scale],
    ['Layout', job.layout ? `${job.layout.regions.length} box${job.layout.regions.length === 1 ? '' : 'es'}` : null],
    ['Token density', tokenDensityText(job.token_density)],
    ['Engine time', job.engine_ms != null ? `${Math.round(job.engine_ms)} ms` : null],
  ];
  const list = $('job-settings');
  list.replaceChildren();
  for (const [name, value] of entries) {
    if (value === null || value === undefined || value === '') {
      continue;
    }
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.setting = name.toLowerCase().replace(/ /g, '-');
    list.append(dt, dd);
  }
  list.hidden = false;
}

async function cancel() {
  if (!current) {
    return;
  }
  $('cancel').disabled = true;
  setStatus(`Cancelling job ${current.id}…`);
  try {
    await api.cancel(current.id);
  } catch (e) {
    showProblem(e, 'job-error');
  }
}

// ------------------------------------------------------------------ the gallery

let galleryLoad = null;
let galleryAgain = false;

/** Reloads the recent jobs; calls during a load coalesce into one more load after it. */
function refreshGallery() {
  if (galleryLoad) {
    galleryAgain = true;
    return galleryLoad;
  }
  galleryLoad = loadGallery().finally(() => {
    galleryLoad = null;
    if (galleryAgain) {
      galleryAgain = false;
      refreshGallery();
    }
  });
  return galleryLoad;
}

async function loadGallery() {
  clearProblems($('gallery'));
  let page;
  try {
    page = await api.recentJobs(GALLERY_SIZE);
  } catch (e) {
    showProblem(e, 'gallery-error');
    return;
  }
  const items = page.data.map((job) => galleryItem(job));
  $('gallery-list').replaceChildren(...items);
  $('gallery-list').dataset.count = String(items.length);
}

function galleryItem(job) {
  const li = document.createElement('li');
  li.dataset.jobId = job.id;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'gallery-item';
  button.setAttribute('aria-label', `Show job ${job.id}: ${job.prompt}, ${job.status}`);
  const thumb = document.createElement('div');
  thumb.className = 'thumb';
  if (job.status === 'succeeded' && job.images?.length) {
    const img = document.createElement('img');
    img.alt = '';
    thumb.append(img);
    thumbnail(job).then((url) => {
      if (url) {
        img.src = url;
      }
    });
  }
  const status = document.createElement('span');
  status.className = 'badge';
  status.dataset.status = job.status;
  status.textContent = job.status;
  const prompt = document.createElement('span');
  prompt.className = 'gallery-prompt';
  prompt.textContent = job.prompt;
  const when = document.createElement('time');
  when.dateTime = job.created_at;
  when.textContent = new Date(job.created_at).toLocaleTimeString();
  button.append(thumb, status, prompt, when);
  button.addEventListener('click', () => follow(job));
  li.append(button);
  return li;
}

/** The first image's presigned URL, kept until shortly before it expires. */
async function thumbnail(job) {
  const cached = thumbnails.get(job.id);
  if (cached && cached.expires > Date.now() + 30_000) {
    return cached.url;
  }
  try {
    const link = await api.imageLink(job.images[0].url);
    thumbnails.set(job.id, { url: link.url, expires: Date.parse(link.expires_at) });
    return link.url;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ start

function keyChanged() {
  apiKey.set($('api-key').value.trim());
  loadModels();
  refreshGallery();
}

$('generate').addEventListener('submit', submit);
$('api-key').value = apiKey.get();
$('api-key').addEventListener('change', keyChanged);
$('forget-key').addEventListener('click', () => {
  $('api-key').value = '';
  keyChanged();
});
$('model').addEventListener('change', modelChanged);
$('width').addEventListener('input', sizeChanged);
$('height').addEventListener('input', sizeChanged);
$('dice').addEventListener('click', () => {
  $('seed').value = String(randomSeed());
});
$('plan').addEventListener('click', plan);
$('add-box').addEventListener('click', () => editor.add([0.25, 0.25, 0.75, 0.75]));
$('clear-boxes').addEventListener('click', () => editor.clear());
$('apply-layout').addEventListener('click', applyLayoutJson);
$('copy-layout').addEventListener('click', () => copyText($('layout-json').value, null));
$('copy-curl').addEventListener('click', () => copyText($('curl').value, 'curl-copied'));
$('cancel').addEventListener('click', cancel);
$('refresh-gallery').addEventListener('click', () => refreshGallery());

layoutChanged();
refreshGallery();
loadModels().then(() => {
  document.body.dataset.ready = 'true';
});
