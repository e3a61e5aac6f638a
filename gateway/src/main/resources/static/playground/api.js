// The public API as the page uses it: every call sends the API key (when one is set) in the
// Authorization header, and every error answer becomes an ApiError carrying the problem+json
// document (title, detail and the field at fault), so the page can show it where it belongs.

const KEY_STORAGE = 'lumen.apiKey';

/** The API key of this tab: session storage only, so it is gone when the tab closes. */
export const apiKey = {
  get() {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  },
  set(value) {
    if (value) {
      sessionStorage.setItem(KEY_STORAGE, value);
    } else {
      sessionStorage.removeItem(KEY_STORAGE);
    }
  },
};

/** An answer of the API that is not a success, with its RFC 9457 problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.type = problem.type || 'about:blank';
    this.title = problem.title || `HTTP ${status}`;
    this.detail = problem.detail || '';
    this.field = problem.field || null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }

  /** What a person reads: the problem's title, then its detail. */
  get text() {
    return this.detail ? `${this.title}: ${this.detail}` : this.title;
  }
}

function headers(extra) {
  const h = new Headers(extra);
  const key = apiKey.get();
  if (key) {
    h.set('Authorization', `Bearer ${key}`);
  }
  return h;
}

async function toError(response) {
  const type = response.headers.get('Content-Type') || '';
  let problem = {};
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = {};
    }
  }
  if (!problem.title) {
    problem.title = `HTTP ${response.status}`;
    problem.detail = problem.detail || response.statusText;
  }
  return new ApiError(response.status, problem);
}

/** Sends a request; resolves with the parsed JSON body, rejects with an ApiError. */
export async function call(method, path, body, extraHeaders = {}) {
  const init = { method, headers: headers({ Accept: 'application/json', ...extraHeaders }) };
  if (body !== undefined) {
    init.headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: `${method} ${path} did not get an answer (${e.message})` });
  }
  if (!response.ok) {
    throw await toError(response);
  }
  return response.status === 204 ? null : response.json();
}

/**
 * Opens a Server-Sent Events stream. EventSource cannot send an Authorization header, so this is
 * a plain fetch whose body the caller reads with readEvents (sse.js).
 */
export async function openStream(path, signal) {
  const response = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), signal });
  if (!response.ok) {
    throw await toError(response);
  }
  return response;
}

export const api = {
  models: () => call('GET', '/v1/models'),
  submit: (request) => call('POST', '/v1/jobs', request),
  job: (id) => call('GET', `/v1/jobs/${encodeURIComponent(id)}`),
  recentJobs: (limit) => call('GET', `/v1/jobs?limit=${limit}`),
  cancel: (id) => call('DELETE', `/v1/jobs/${encodeURIComponent(id)}`),
  /** The presigned URL of an image (JSON rather than the redirect: see ImagesController). */
  imageLink: (url) => call('GET', url),
  planLayout: (prompt, width, height) => call('POST', '/v1/layouts', { prompt, width, height }),
};
