// Copy-as-curl: the request the page sent, as a shell command. The API key is never written into
// it: a copied command ends up in shell history, chat messages and screen shares, so it names the
// environment variable LUMEN_API_KEY instead (and only when this page uses a key at all).

/** Quotes text for a POSIX shell: single quotes, each inner ' written as '\''. */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

/** The curl command for POST /v1/jobs with this body against origin (e.g. http://127.0.0.1:8080). */
export function curlCommand(origin, body, withKey) {
  const lines = [
    `curl -s ${shellQuote(`${origin}/v1/jobs`)}`,
    `-H 'Content-Type: application/json'`,
  ];
  if (withKey) {
    lines.push(`-H "Authorization: Bearer $LUMEN_API_KEY"`);
  }
  lines.push(`-d ${shellQuote(JSON.stringify(body))}`);
  return lines.join(' \\\n  ');
}

/**
 * The request that reproduces a job as GET /v1/jobs/{id} shows it (a job from the gallery, whose
 * original body the page never saw): its prompt, settings, seed and layout.
 */
export function requestFromJob(job) {
  const body = { model: job.model, prompt: job.prompt };
  if (job.negative_prompt) {
    body.negative_prompt = job.negative_prompt;
  }
  Object.assign(body, {
    size: job.size,
    steps: job.steps,
    sampler: job.sampler,
    guidance_scale: job.guidance_scale,
    seed: job.seed,
  });
  if (job.n && job.n !== 1) {
    body.n = job.n;
  }
  if (job.layout) {
    body.layout = job.layout;
  }
  if (job.token_density && job.token_density.requested !== undefined) {
    body.token_density = job.token_density.requested;
  }
  return body;
}
