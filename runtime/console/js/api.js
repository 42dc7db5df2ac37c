// Talking to cohortd: the admin token (asked for once, kept in sessionStorage for this
// tab, sent as a Bearer header; on the WebSocket as ?token= since browsers cannot set
// headers there), JSON requests, and the login dialog.

const TOKEN_KEY = 'cohort.adminToken';

let pendingLogin = null;  // one dialog for every request that needs it

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function headers(candidate = token.get()) {
  return candidate ? { Authorization: `Bearer ${candidate}` } : {};
}

/** {tokenRequired, authorized, node} for `candidate`; this endpoint always answers 200. */
async function checkSession(candidate) {
  const res = await fetch('/admin/api/session', { headers: headers(candidate), cache: 'no-store' });
  if (!res.ok) throw new Error(`session check failed: HTTP ${res.status}`);
  return res.json();
}

/** Resolves once the stored token (or none) is accepted, asking the user if needed. */
export async function ensureAuthorized() {
  const session = await checkSession(token.get());
  document.getElementById('sign-out').hidden = !session.tokenRequired;
  if (session.authorized) return session;
  token.clear();
  await askForToken();
  return checkSession(token.get());
}

function askForToken() {
  if (pendingLogin) return pendingLogin;
  const modal = document.getElementById('login');
  const form = document.getElementById('login-form');
  const input = document.getElementById('login-token');
  const error = document.getElementById('login-error');
  const submit = document.getElementById('login-submit');
  pendingLogin = new Promise((resolve) => {
    modal.hidden = false;
    error.hidden = true;
    input.value = '';
    input.focus();
    const onSubmit = async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        const session = await checkSession(input.value);
        if (!session.authorized) {
          error.textContent = 'That token was refused. Check admin.token in the node\'s config.';
          error.hidden = false;
          input.select();
          return;
        }
        token.set(input.value);
        modal.hidden = true;
        form.removeEventListener('submit', onSubmit);
        pendingLogin = null;
        resolve();
      } catch (e) {
        error.textContent = `Cannot reach the node: ${e.message}`;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    };
    form.addEventListener('submit', onSubmit);
  });
  return pendingLogin;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** A JSON request; a 401 (token changed on the server) asks for the token and retries once. */
export async function api(path, options = {}, retried = false) {
  const res = await fetch(path, {
    ...options,
    cache: 'no-store',
    headers: { ...headers(), ...(options.headers ?? {}) },
  });
  if (res.status === 401 && !retried) {
    token.clear();
    await askForToken();
    return api(path, options, true);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, `HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok && !(options.acceptStatus ?? []).includes(res.status)) {
    throw new ApiError(res.status, body?.error ?? `HTTP ${res.status}`);
  }
  return body;
}

/** The /v1/stream URL with the admin token. */
export function streamUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const t = token.get();
  return `${scheme}//${location.host}/v1/stream${t ? `?token=${encodeURIComponent(t)}` : ''}`;
}
