// The application shell: session, navigation (hash routes, so the page works under any context path), and
// the pages. Each page renders into <main> and may return a function that stops its timers when it is left.
import * as api from './api.js';
import {h, replace} from './dom.js';
import * as models from './models.js';
import * as editor from './editor.js';
import * as tryPage from './try.js';
import * as experiments from './experiments.js';
import * as status from './status.js';

const main = document.getElementById('main');
let dispose = null;

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

async function route() {
  if (dispose) {
    dispose();
    dispose = null;
  }
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
    dispose = (await r.render(params, query)) || null;
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
    editor.forgetDraft();
    try {
      await api.signOut();
    } catch (e) {
      location.replace(api.adminBase.pathname);
    }
  });
  window.addEventListener('hashchange', route);
  route();
}

start();
