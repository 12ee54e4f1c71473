// The application shell: session, navigation (hash routes, so the page works under any context path), and
// the pages. Each page renders into <main> and may return a function that stops its timers when it is left, or
// {unsaved}: a form that says whether leaving it now would lose what was typed (then leaving asks first).
import * as api from './api.js';
import {h, replace, confirmDialog} from './dom.js';
import * as models from './models.js';
import * as editor from './editor.js';
import * as tryPage from './try.js';
import * as experiments from './experiments.js';
import * as status from './status.js';

const main = document.getElementById('main');
let shown = {};

const routes = [
  {pattern: /^\/models\/new$/, page: 'models', render: (p, q) => editor.render(main, {mode: 'new', source: q.get('source')})},
  {pattern: /^\/models\/edit\/(.+)$/, page: 'models', render: (p) => editor.render(main, {mode: 'edit', source: p[0]})},
  {pattern: /^\/models$/, page: 'models', render: (p, q) => models.render(main, q)},
  {pattern: /^\/try$/, page: 'try', render: (p, q) => tryPage.render(main, q)},
  {pattern: /^\/experiments(?:\/(.+))?$/, page: 'experiments', render: (p) => experiments.render(main, p[0])},
  {pattern: /^\/status$/, page: 'status', render: () => status.render(main)},
];

/** #/models/edit/a%2Fb?x=1 -> {path: '/models/edit/a%2Fb', query} */
function parse() {
  const raw = location.hash.replace(/^#/, '') || '/models';
  const q = raw.indexOf('?');
  return {path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))};
}

/** A changed form is left only when the operator says so (Cancel, focused, stays). */
async function mayLeave() {
  if (!shown.unsaved || !shown.unsaved()) return true;
  return confirmDialog({title: 'Leave this form?', ok: 'Leave',
    text: 'What you changed is not saved. Leave the form and lose it?'});
}

async function route(event) {
  if (!(await mayLeave())) {
    // The address goes back to the form's without drawing it again (what was typed stays).
    if (event && event.oldURL) history.replaceState(null, '', event.oldURL);
    return;
  }
  if (shown.stop) shown.stop();
  shown = {};
  const {path, query} = parse();
  const r = routes.find((x) => x.pattern.test(path));
  if (!r) {
    location.replace('#/models');
    return;
  }
  const params = path.match(r.pattern).slice(1).map((x) => (x === undefined ? undefined : decodeURIComponent(x)));
  for (const a of document.querySelectorAll('header.top nav a')) {
    if (a.dataset.page === r.page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  replace(main, h('p', {class: 'muted'}, 'Loading…'));
  try {
    const page = await r.render(params, query);
    shown = typeof page === 'function' ? {stop: page} : page || {};
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) return;
    replace(main, h('h1', {}, 'Something went wrong'), h('p', {class: 'notice error-box', role: 'alert'}, e.message));
  }
  // Keyboard and screen-reader users land on the new page's heading.
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: true});
  }
  document.title = (heading ? heading.textContent + ' · ' : '') + 'Switchboard admin';
}

async function start() {
  try {
    await api.startSession();
  } catch (e) {
    return; // 401: on the way back to the sign-in page
  }
  document.getElementById('sign-out').addEventListener('click', async () => {
    if (!(await mayLeave())) return;
    shown = {};
    editor.forgetDraft();
    try {
      await api.signOut();
    } catch (e) {
      // Never shown as signed out while the session lives on: say so, and stay.
      if (e.status !== 401) window.alert('Not signed out: ' + e.message);
    }
  });
  window.addEventListener('hashchange', route);
  // Closing or reloading the tab: the browser's own question.
  window.addEventListener('beforeunload', (e) => {
    if (shown.unsaved && shown.unsaved()) {
      e.preventDefault();
      e.returnValue = true; // Chromium before 119
    }
  });
  route();
}

start();
