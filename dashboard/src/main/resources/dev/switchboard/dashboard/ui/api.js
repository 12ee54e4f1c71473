// The admin API, as scripts use it, with the session instead of a bearer token: every write carries the
// session's CSRF token; automatic refreshes say so (they do not keep an idle session alive).

export const adminBase = new URL('./', location.href);
export const gatewayBase = new URL('../', adminBase);

/** How long a call waits for the gateway's answer. */
const TIMEOUT_MS = 30000;

let csrfToken = null;
let csrfHeader = 'X-CSRF-Token';

/** An answer of the admin API that is not 2xx. */
export class ApiError extends Error {
  constructor(status, body) {
    const message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + status;
    super(message);
    this.status = status;
    this.code = body && body.error ? body.error.code : null;
    this.body = body;
  }
}

/** Reads the session (and its CSRF token); a page without one goes back to the sign-in page. */
export async function startSession() {
  const r = await call('GET', 'session');
  csrfToken = r.data.csrf_token;
  csrfHeader = r.data.csrf_header || csrfHeader;
  return r.data;
}

export function signedOut() {
  location.replace(adminBase.pathname + '?expired' + location.hash);
}

/**
 * @param method HTTP method
 * @param path relative to /admin/ ('virtual-models', 'resolve?model=x')
 * @param body a JSON value to send, or undefined
 * @param options {poll: true} for automatic refreshes, {ifMatch: etag}
 * @returns {status, data, etag}
 */
export async function call(method, path, body, options = {}) {
  try {
    return await send(method, path, body, options);
  } catch (e) {
    // Signed in again meanwhile (in another tab, whose sign-in ended this tab's session and set the cookie both tabs
    // share): this tab's CSRF token is the old session's, and every write of it would be refused. The refusal came
    // before the write did anything: read the session's token and try once more.
    if (e.status !== 403 || e.code !== 'forbidden' || method === 'GET' || method === 'HEAD' || options.retried) throw e;
    await startSession();
    return send(method, path, body, {...options, retried: true});
  }
}

async function send(method, path, body, options) {
  const headers = {'Accept': 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers[csrfHeader] = csrfToken;
  if (options.poll) headers['X-Switchboard-Poll'] = '1';
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  // A gateway that stopped answering (paused, overloaded) would leave a Save pending with no word: give up after a
  // while and say so. A write given up on may still land, so the message says to look.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let r;
  let text;
  try {
    r = await fetch(new URL(path, adminBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: abort.signal,
    });
    text = await r.text();
  } catch (e) {
    const write = method !== 'GET' && method !== 'HEAD';
    throw new ApiError(0, {error: {code: abort.signal.aborted ? 'timeout' : 'unreachable', message: abort.signal.aborted
      ? `the gateway did not answer within ${TIMEOUT_MS / 1000} s` + (write ? '; what was asked may still have been'
        + ' done: reload the page to see' : '')
      : 'the gateway cannot be reached'}});
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (r.status === 401) {
    signedOut();
    throw new ApiError(401, data);
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return {status: r.status, data, etag: r.headers.get('ETag')};
}

export async function get(path, options) {
  return (await call('GET', path, undefined, options)).data;
}

/** Signs out: the session ends on the server, the cookie is cleared. */
export async function signOut() {
  await call('DELETE', 'session');
  location.replace(adminBase.pathname);
}
