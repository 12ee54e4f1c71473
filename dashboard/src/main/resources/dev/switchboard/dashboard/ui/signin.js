// The sign-in page: POST the admin token to ./session, which sets the session cookie; then the page itself
// (served as the application once a session exists) is loaded again.
const form = document.getElementById('signin-form');
const input = document.getElementById('token');
const error = document.getElementById('signin-error');
const note = document.getElementById('signin-note');

if (new URLSearchParams(location.search).has('expired')) {
  note.textContent = 'Your session ended (30 minutes without use, a sign-out, or a new admin token). Sign in again.';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  if (!input.value) {
    error.textContent = 'Enter the admin token.';
    input.focus();
    return;
  }
  const button = document.getElementById('signin-submit');
  button.disabled = true;
  try {
    const r = await fetch('session', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
      body: JSON.stringify({token: input.value}),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (r.ok) {
      // The same address now serves the application (with the route in its hash kept); "?expired" is dropped.
      if (location.search) location.replace(location.pathname + location.hash);
      else location.reload();
      return;
    }
    const body = await r.json().catch(() => null);
    error.textContent = (body && body.error && body.error.message) || ('Sign-in failed (HTTP ' + r.status + ')');
    input.select();
    input.focus();
  } catch (e) {
    error.textContent = 'The gateway cannot be reached: ' + e.message;
  } finally {
    button.disabled = false;
  }
});
