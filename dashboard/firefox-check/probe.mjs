// Drives the Switchboard admin dashboard in Firefox ESR (WebDriver BiDi) and, when present, Chromium (CDP),
// both through puppeteer-core. Starts its own gateway (port 19601) from the built jar (SWITCHBOARD_JAR, else
// jetty-bundle/target/switchboard.jar) with ./switchboard.yaml and a fresh admin store, sends traffic with curl, runs
// the checks, writes target/shots/<browser>-*.png and target/results-<browser>.json, stops everything it started, and
// exits 1 when a check failed or the page logged an error or warning. Needs firefox-esr (Debian) and `npm ci` here (puppeteer-core, nothing downloaded else).
//   node dashboard/firefox-check/probe.mjs            (both browsers)
//   node dashboard/firefox-check/probe.mjs firefox    (one)
import puppeteer from 'puppeteer-core';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(DIR, 'target');
const JAR = process.env.SWITCHBOARD_JAR || path.join(DIR, '..', '..', 'jetty-bundle', 'target', 'switchboard.jar');
const PORT = 19601;
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = 'probe-firefox-admin-token-0123456789';
const SHOTS = path.join(OUT, 'shots');
const only = process.argv[2];
fs.mkdirSync(SHOTS, {recursive: true});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- gateway ----------
function curl(args) {
  try {
    return execFileSync('curl', ['-s', ...args], {encoding: 'utf8'});
  } catch (e) {
    return e.stdout || ''; // connection refused and the like: curl's exit code is not 0
  }
}
function curlVMs() {
  return JSON.parse(curl(['-H', `Authorization: Bearer ${TOKEN}`, `${BASE}/admin/virtual-models`]));
}
function curlStatus(args) {
  return Number(curl(['-o', '/dev/null', '-w', '%{http_code}', ...args]));
}
function experiment() {
  return JSON.parse(curl(['-H', `Authorization: Bearer ${TOKEN}`, `${BASE}/admin/experiments/smarter`]));
}
function traffic(n) {
  let id2 = null;
  for (let i = 1; i <= n; i++) {
    const headers = curl(['-D', '-', '-o', '/dev/null', `${BASE}/v1/chat/completions`, '-H', `X-User-Path: /acme/user-${i}`,
      '-d', '{"model":"smarter","messages":[{"role":"user","content":"hi"}]}']);
    if (i === 2) id2 = /x-switchboard-request-id:\s*(\S+)/i.exec(headers)[1];
  }
  return id2;
}
function feedback(id) {
  return curlStatus([`${BASE}/v1/feedback`, '-H', 'X-User-Path: /acme/user-2',
    '-d', JSON.stringify({request_id: id, score: true, comment: 'spot on'})]);
}

async function startGateway() {
  // The config is copied into target/, so that its admin store (beside it) starts empty there.
  const store = path.join(OUT, 'virtual-models.admin.yaml');
  fs.rmSync(store, {force: true});
  fs.copyFileSync(path.join(DIR, 'switchboard.yaml'), path.join(OUT, 'switchboard.yaml'));
  const log = fs.openSync(path.join(OUT, 'gateway.log'), 'w');
  const child = spawn('java', ['-jar', JAR, '--config', path.join(OUT, 'switchboard.yaml'), '--port', String(PORT)],
      {cwd: OUT, stdio: ['ignore', log, log]});
  for (let i = 0; i < 100; i++) {
    if (curlStatus([`${BASE}/readyz`]) === 200) return child;
    await sleep(200);
  }
  child.kill();
  throw new Error('gateway did not start: see ' + path.join(OUT, 'gateway.log'));
}

// ---------- one browser ----------
async function run(name, launchOptions) {
  const checks = [];
  const consoleErrors = [];
  const httpErrors = [];
  const notes = [];
  const check = (id, what, pass, detail) => {
    if (typeof hfHook === 'function') hfHook(id);
    checks.push({id, what, pass: Boolean(pass), detail});
    console.log(`[${name}] ${pass ? 'PASS' : 'FAIL'} ${id} ${what}${detail ? ' -- ' + detail : ''}`);
  };
  let shotNo = 0;
  let hfHook = null;
  const shot = async (page, label) => {
    const file = path.join(SHOTS, `${name}-${String(++shotNo).padStart(2, '0')}-${label}.png`);
    await page.screenshot({path: file, fullPage: true});
    return file;
  };

  // Fresh numbers for this browser: the experiment counts from here (the previous run ends with a reset).
  const id2 = traffic(100);
  notes.push(`traffic: 100 chat requests to smarter, feedback -> HTTP ${feedback(id2)}`);

  const browser = await puppeteer.launch(launchOptions);
  const version = await browser.version();
  console.log(`[${name}] ${version} via ${browser.protocol}`);
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn' || m.type() === 'warning') {
      consoleErrors.push({type: m.type(), text: m.text(), url: page.url()});
    }
  });
  // What the protocol's log does not carry by itself (Firefox's BiDi log has console calls and script errors only):
  // CSP violations and failed resource loads, as console errors of the page.
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
    window.addEventListener('error', (e) => {
      if (e.target && e.target !== window) console.error(`resource failed: <${e.target.tagName.toLowerCase()}> ${e.target.src || e.target.href}`);
    }, true);
  });
  page.on('pageerror', (e) => consoleErrors.push({type: 'uncaught', text: String(e && e.message || e), url: page.url()}));
  page.on('response', (r) => {
    if (r.status() >= 400) httpErrors.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => httpErrors.push(`failed ${r.method()} ${r.url()} ${r.failure() ? r.failure().errorText : ''}`));
  page.on('dialog', async (d) => {
    notes.push(`browser dialog (${d.type()}): ${d.message()}`);
    await d.dismiss();
  });

  const hasFocusLog = [];
  const hf = async (label) => hasFocusLog.push(`${label}:${await page.evaluate(() => document.hasFocus())}`);
  const text = (sel) => page.$eval(sel, (el) => el.textContent.trim()).catch(() => null);
  const active = () => page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return null;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(), id: el.id || null, type: el.type || null,
      label: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40),
      focusVisible: el.matches(':focus-visible'),
      outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
      onScreen: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth,
    };
  });
  const selectAllAndType = async (sel, value) => {
    await page.focus(sel);
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    if (value) await page.keyboard.type(value);
  };
  const waitHash = (prefix) => page.waitForFunction((p) => location.hash.startsWith(p), {timeout: 10000}, prefix);
  const waitText = (sel, re) => page.waitForFunction((s, src) => {
    const el = document.querySelector(s);
    return el && new RegExp(src).test(el.textContent);
  }, {timeout: 10000}, sel, re.source);

  hfHook = (id) => { hf(id).catch(() => {}); };
  // ===== 1. sign-in =====
  await page.goto(`${BASE}/admin/`);
  await page.waitForSelector('#signin-form');
  const signinOnly = await page.evaluate(async () => ({
    form: Boolean(document.getElementById('signin-form')),
    nav: Boolean(document.querySelector('header.top, nav')),
    title: document.title,
    appJs: (await fetch('ui/app.js')).status,
    api: (await fetch('virtual-models')).status,
    focused: document.activeElement && document.activeElement.id,
  }));
  await shot(page, 'signin');
  check('1a', 'no session: only the sign-in page', signinOnly.form && !signinOnly.nav && signinOnly.appJs === 401 && signinOnly.api === 401,
      `title "${signinOnly.title}", nav present: ${signinOnly.nav}, ui/app.js ${signinOnly.appJs}, /admin/virtual-models ${signinOnly.api}, autofocus on #${signinOnly.focused}`);

  // 4a keyboard on the sign-in page: Tab from the token field to the button, Shift+Tab back
  const signinTabs = [await active()];
  await page.keyboard.press('Tab');
  signinTabs.push(await active());
  await shot(page, 'signin-focus-button');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Tab');
  await page.keyboard.up('Shift');
  signinTabs.push(await active());
  await page.focus('#token');

  // empty submit
  await page.click('#signin-submit');
  await waitText('#signin-error', /./);
  const emptyError = await text('#signin-error');
  // wrong token
  await page.type('#token', 'wrong-token-wrong-token');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /./.test(document.getElementById('signin-error').textContent) &&
      !document.getElementById('signin-submit').disabled, {timeout: 10000});
  await sleep(200);
  const wrongError = await text('#signin-error');
  const stillSignin = await page.$('#signin-form');
  await shot(page, 'signin-wrong-token');
  check('1b', 'wrong token shows an error', wrongError && stillSignin && !/Enter the admin token/.test(wrongError),
      `empty: "${emptyError}"; wrong: "${wrongError}"`);

  // right token
  await selectAllAndType('#token', TOKEN);
  await Promise.all([page.waitForNavigation({timeout: 15000}), page.click('#signin-submit')]);
  await page.waitForSelector('#models-table tbody tr', {timeout: 15000});
  const landed = await page.evaluate(() => ({hash: location.hash, h1: document.querySelector('main h1').textContent,
    focus: document.activeElement.tagName + ':' + document.activeElement.textContent.slice(0, 20)}));
  await shot(page, 'models');
  check('1c', 'right token lands on Models', landed.h1 === 'Models', `hash "${landed.hash}", h1 "${landed.h1}", focus ${landed.focus}`);

  // ===== 2. Models =====
  const listed = await page.$$eval('#models-table tbody tr', (trs) => trs.map((t) => `${t.dataset.name}:${t.dataset.kind}`));
  const vms = curlVMs().map((v) => v.source);
  const missing = vms.filter((s) => !listed.some((l) => l.startsWith(s + ':')));
  check('2a', 'list shows the virtual models', missing.length === 0,
      `${listed.length} rows: ${listed.join(', ')}; count "${await text('#model-count')}"`);

  // filter
  await page.type('#model-search', 'echo-large');
  await sleep(200);
  const filtered = await page.$$eval('#models-table tbody tr', (trs) => trs.map((t) => t.dataset.name));
  const filterHash = await page.evaluate(() => location.hash);
  await page.select('#model-kind', 'redirect');
  await sleep(200);
  const filtered2 = await page.$$eval('#models-table tbody tr', (trs) => trs.map((t) => t.dataset.name));
  const filterHash2 = await page.evaluate(() => location.hash);
  check('2b', 'search and kind filter', filtered.length < listed.length && filtered2.every((n) => filtered.includes(n)),
      `"echo-large": ${filtered.join(', ')} (${filterHash}); + kind=redirect: ${filtered2.join(', ')} (${filterHash2})`);
  await selectAllAndType('#model-search', '');
  await page.select('#model-kind', '');
  await sleep(200);

  // horizontal scroll at 1280 and 800 px
  const overflow = async () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const over1280 = await overflow();
  await page.setViewport({width: 800, height: 900});
  await sleep(300);
  const over800 = await overflow();
  await shot(page, 'models-800px');
  await page.setViewport({width: 1280, height: 900});
  check('2c', 'no sideways scrolling at 1280 and 800 px (Models)', over1280 <= 0 && over800 <= 0,
      `overflow 1280px: ${over1280}px, 800px: ${over800}px`);

  // create
  const SRC = `probe-${name}`;
  await page.click('#new-virtual-model');
  await page.waitForSelector('#vm-form');
  const newFocus = await page.evaluate(() => document.activeElement.tagName + ':' + document.activeElement.textContent);
  await page.type('#vm-source', SRC);
  await page.type('#vm-target-0-model', 'demo/echo-small');
  await page.type('#vm-description', `made in ${name}`);
  await sleep(100);
  const sentence1 = await text('#vm-sentence');
  await shot(page, 'new-form');
  await page.click('#vm-save');
  await page.waitForSelector('#models-flash', {timeout: 10000});
  const flash1 = await text('#models-flash');
  let row = curlVMs().find((v) => v.source === SRC);
  const chat = curl(['-D', '-', '-o', '/dev/null', `${BASE}/v1/chat/completions`, '-d', JSON.stringify({model: SRC, messages: []})]);
  const routed = (/x-switchboard-model:\s*(\S+)/i.exec(chat) || [])[1];
  check('2d', 'create a redirect through the form', row && row.targets[0].model === 'demo/echo-small' && row.enabled && !row.managed,
      `focus on open: ${newFocus}; sentence "${sentence1}"; flash "${flash1}"; curl: ${JSON.stringify(row)}; chat to ${SRC} routed to ${routed}`);

  // edit: change target, add a second weighted target, change description
  await page.click(`a[aria-label="Edit ${SRC}"]`);
  await page.waitForSelector('#vm-form');
  const editTitle = await text('main h1');
  await selectAllAndType('#vm-target-0-model', 'demo/echo-large');
  await page.click('#vm-add-target');
  const addFocus = await page.evaluate(() => document.activeElement.id);
  await page.keyboard.type('demo/echo-small');
  await selectAllAndType('#vm-target-1-weight', '3');
  await page.select('#vm-strategy', 'round_robin');
  await selectAllAndType('#vm-description', `edited in ${name}`);
  await sleep(100);
  const sentence2 = await text('#vm-sentence');
  await shot(page, 'edit-form');
  await page.click('#vm-save');
  await page.waitForSelector('#models-flash', {timeout: 10000});
  row = curlVMs().find((v) => v.source === SRC);
  const listedRow = await page.$eval(`tr[data-name="${SRC}"]`, (t) => t.innerText.replace(/\s+/g, ' '));
  check('2e', 'edit it (targets, weight, strategy, description)', row && row.targets.length === 2 && row.targets[0].model === 'demo/echo-large'
      && row.targets[1].weight === 3 && row.strategy === 'round_robin' && row.description === `edited in ${name}`,
      `title "${editTitle}", focus after Add target: #${addFocus}; sentence "${sentence2}"; row "${listedRow}"; curl: ${JSON.stringify(row)}`);

  // leaving a changed form asks first (in-page dialog)
  await page.click(`a[aria-label="Edit ${SRC}"]`);
  await page.waitForSelector('#vm-form');
  await page.focus('#vm-description');
  await page.keyboard.press('End');
  await page.keyboard.type(' (changed)');
  await page.click('a[data-page="experiments"]');
  await page.waitForSelector('#confirm[open]', {timeout: 5000}).catch(() => null);
  const leaveDialog = await page.evaluate(() => ({open: document.getElementById('confirm').open,
    title: document.getElementById('confirm-title').textContent, focus: document.activeElement.id}));
  await shot(page, 'leave-form-dialog');
  await page.click('#confirm-cancel');
  await sleep(300);
  const stayed = await page.evaluate(() => ({hash: location.hash, desc: document.getElementById('vm-description') && document.getElementById('vm-description').value}));
  // closing or reloading the tab with the changed form: the browser's own question (dismissed: the page stays)
  const dialogsBefore = notes.filter((n) => n.startsWith('browser dialog')).length;
  await page.reload({timeout: 4000}).catch((e) => notes.push(`reload with a changed form: ${e.name}`));
  await sleep(500);
  const beforeUnload = notes.filter((n) => n.startsWith('browser dialog')).slice(dialogsBefore);
  const stillForm = await page.evaluate(() => document.getElementById('vm-description') && document.getElementById('vm-description').value).catch(() => null);
  stayed.beforeunload = beforeUnload.join('; ') || 'no prompt';
  stayed.afterReloadDismissed = stillForm;
  check('2f', 'leaving a changed form asks first; Cancel stays with the text', leaveDialog.open && stayed.desc === `edited in ${name} (changed)`,
      `dialog "${leaveDialog.title}", focus #${leaveDialog.focus}; after Cancel: ${JSON.stringify(stayed)}`);

  // disable
  await page.click('#vm-enabled');
  await selectAllAndType('#vm-description', `edited in ${name}`);
  await sleep(100);
  const sentence3 = await text('#vm-sentence');
  await page.click('#vm-save');
  await page.waitForSelector('#models-flash', {timeout: 10000});
  row = curlVMs().find((v) => v.source === SRC);
  const badge = await page.$eval(`tr[data-name="${SRC}"] .badge.off, tr[data-name="${SRC}"] .badge.on`, (b) => b.textContent).catch(() => null);
  const disabledChat = curl(['-o', '/dev/null', '-w', '%{http_code}', `${BASE}/v1/chat/completions`, '-d', JSON.stringify({model: SRC, messages: []})]);
  await shot(page, 'models-disabled');
  check('2g', 'disable it', row && row.enabled === false && badge === 'disabled',
      `sentence "${sentence3}"; list badge "${badge}"; curl enabled=${row && row.enabled}; chat to ${SRC} now HTTP ${disabledChat}`);

  // delete: Escape keeps it, then Delete confirms
  await page.click(`button[aria-label="Delete ${SRC}"]`);
  await page.waitForSelector('#confirm[open]');
  const delDialog = await page.evaluate(() => ({title: document.getElementById('confirm-title').textContent,
    text: document.getElementById('confirm-text').textContent, focus: document.activeElement.id}));
  await shot(page, 'delete-dialog');
  await page.keyboard.press('Escape');
  await sleep(300);
  const afterEsc = {open: await page.evaluate(() => document.getElementById('confirm').open), stored: Boolean(curlVMs().find((v) => v.source === SRC)),
    focus: await page.evaluate(() => document.activeElement.getAttribute('aria-label'))};
  await page.click(`button[aria-label="Delete ${SRC}"]`);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await waitText('#models-flash', /Deleted/); // the list still shows the "Saved" flash of the previous step until then
  const flashDel = await text('#models-flash');
  const gone = !curlVMs().find((v) => v.source === SRC);
  const delFocus = await page.evaluate(() => document.activeElement.tagName + ':' + document.activeElement.textContent);
  await shot(page, 'models-deleted');
  check('2h', 'delete it (asks first; Escape keeps it)', delDialog.focus === 'confirm-cancel' && !afterEsc.open && afterEsc.stored && gone,
      `dialog "${delDialog.title}" / "${delDialog.text}", focus #${delDialog.focus}; after Escape open=${afterEsc.open} stored=${afterEsc.stored} focus "${afterEsc.focus}"; `
      + `after Delete: "${flashDel}", curl: gone=${gone}, focus ${delFocus}`);

  // 4b keyboard on the Models page: from the heading Shift+Tab back to the first control, then Tab through all
  await page.reload();
  await page.waitForSelector('#models-table tbody tr');
  await sleep(300);
  const controls = await page.evaluate(() => {
    const all = [...document.querySelectorAll('a[href], button, input, select, textarea')].filter((e) => !e.disabled && !e.closest('dialog'));
    all.forEach((e, i) => e.setAttribute('data-probe', String(i)));
    return all.length;
  });
  const probeIndex = () => page.evaluate(() => document.activeElement.getAttribute('data-probe'));
  const back = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    const a = await active();
    back.push(a.label || a.id || a.tag);
    if (await probeIndex() === '0') break;
  }
  await shot(page, 'models-focus-skiplink');
  const skipVisible = await active();
  const seen = [skipVisible];
  const reached = new Set([await probeIndex()]);
  for (let i = 0; i < controls + 5; i++) {
    await page.keyboard.press('Tab');
    const a = await active();
    const idx = await probeIndex();
    seen.push(a);
    reached.add(idx);
    if (a.label === 'Edit regular' || a.label === 'View regular') await shot(page, 'models-focus-row-button');
    if (idx === String(controls - 1) || a.tag === 'body') break;
  }
  const notVisible = seen.filter((a) => !a.focusVisible || a.outline.startsWith('none') || !a.onScreen);
  // the skip link leads to the content
  await page.keyboard.down('Shift');
  for (let i = 0; i < seen.length - 1; i++) await page.keyboard.press('Tab');
  await page.keyboard.up('Shift');
  const atSkip = await probeIndex();
  await page.keyboard.press('Enter');
  await sleep(200);
  const afterSkip = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
  await page.keyboard.press('Tab');
  const afterSkipTab = (await active()).label || (await active()).id;
  check('4b', 'Models page: every control reachable by Tab, focus visible', reached.size === controls && notVisible.length === 0,
      `Shift+Tab from the heading: ${back.join(' < ')}; then ${seen.length} Tab stops reaching ${reached.size} of ${controls} enabled controls: `
      + `${seen.map((a) => a.label || a.id).join(' | ')}; outline e.g. "${seen[1] && seen[1].outline}"; skip link on screen when focused: ${skipVisible.onScreen}; `
      + `without visible focus: ${notVisible.map((a) => a.label || a.id).join(', ') || 'none'}; Enter on skip link (#${atSkip}) -> focus #${afterSkip}, next Tab -> ${afterSkipTab}`);
  const signinNotVisible = signinTabs.filter((a) => !a.focusVisible || a.outline.startsWith('none'));
  check('4a', 'sign-in page: field and button reachable by Tab, focus visible',
      signinTabs[0].id === 'token' && signinTabs[1].id === 'signin-submit' && signinTabs[2].id === 'token' && signinNotVisible.length === 0,
      signinTabs.map((a) => `${a.tag}${a.id ? '#' + a.id : ''} fv=${a.focusVisible} outline=${a.outline}`).join(' -> '));

  // keyboard-only form: new redirect by keyboard
  await page.evaluate(() => { location.hash = '#/models/new'; });
  await page.waitForSelector('#vm-form');
  await page.keyboard.press('Tab'); // heading -> first control after it
  const formStops = [];
  for (let i = 0; i < 14; i++) {
    const a = await active();
    formStops.push(a.id || a.label);
    if (a.id === 'vm-source') await page.keyboard.type(`kb-${name}`);
    if (a.id === 'vm-target-0-model') await page.keyboard.type('demo/echo-small');
    if (a.id === 'vm-save') break;
    await page.keyboard.press('Tab');
  }
  const onSave = (await active()).id === 'vm-save';
  if (onSave) await page.keyboard.press('Enter');
  await page.waitForSelector('#models-flash', {timeout: 10000}).catch(() => null);
  const kbRow = curlVMs().find((v) => v.source === `kb-${name}`);
  check('4c', 'New virtual model form by keyboard alone (Tab, type, Enter on Save)', Boolean(kbRow),
      `stops: ${formStops.join(' > ')}; curl: ${JSON.stringify(kbRow && {source: kbRow.source, targets: kbRow.targets})}`);
  if (await page.$('#vm-form')) {
    await page.click('#vm-cancel');
    await sleep(300);
  }
  if (kbRow) curl(['-X', 'DELETE', '-H', `Authorization: Bearer ${TOKEN}`, `${BASE}/admin/virtual-models`, '-d', JSON.stringify({source: `kb-${name}`})]);

  // ===== 3. Experiments =====
  await page.click('a[data-page="experiments"]');
  await page.waitForSelector('#exp-arms', {timeout: 10000});
  await sleep(500);
  const expInfo = await page.evaluate(() => ({
    list: [...document.querySelectorAll('.exp-list a')].map((a) => a.textContent),
    title: document.getElementById('exp-title').textContent,
    arms: [...document.querySelectorAll('#exp-arms tr')].map((tr) => tr.innerText.replace(/\s+/g, ' ')).slice(0, 4),
    feedbackRow: [...document.querySelectorAll('#exp-arms tr')].map((tr) => tr.innerText.replace(/\s+/g, ' ')).find((t) => t.startsWith('Feedback')),
    srm: document.getElementById('exp-srm') && document.getElementById('exp-srm').textContent,
    warnings: document.getElementById('exp-warnings') && document.getElementById('exp-warnings').textContent,
    comparisons: document.querySelectorAll('#exp-comparisons tbody tr').length,
    charts: [...document.querySelectorAll('figure.chart')].map((f) => {
      const svg = f.querySelector(':scope > svg');
      const r = svg ? svg.getBoundingClientRect() : null;
      const paths = svg ? [...svg.querySelectorAll('path.series')] : [];
      return {id: f.id, w: r ? Math.round(r.width) : 0, h: r ? Math.round(r.height) : 0,
        paths: paths.length, pathLen: Math.round(paths.reduce((s, p) => s + p.getTotalLength(), 0)),
        circles: svg ? svg.querySelectorAll('circle').length : 0, texts: svg ? svg.querySelectorAll('text').length : 0,
        noData: Boolean(f.querySelector('p'))};
    }),
  }));
  const api = experiment();
  await shot(page, 'experiments');
  const reqCell = expInfo.arms.find((t) => t.startsWith('Requests')) || '';
  check('3a', 'experiment listed with its numbers', expInfo.list.some((t) => t.startsWith('smarter'))
      && reqCell.includes(String(api.arms[0].requests)) && reqCell.includes(String(api.arms[1].requests)),
      `list ${JSON.stringify(expInfo.list)}; "${expInfo.title}"; "${reqCell}"; API ${api.arms.map((a) => a.target + '=' + a.requests).join(', ')}; `
      + `"${expInfo.feedbackRow}"; SRM "${expInfo.srm}"; warnings "${expInfo.warnings}"; ${expInfo.comparisons} comparison rows`);
  const chartsOk = expInfo.charts.length === 4 && expInfo.charts.every((c) => c.w > 100 && c.h > 30 && c.circles > 0 && c.texts >= 10);
  check('3b', 'charts render (SVG)', chartsOk,
      expInfo.charts.map((c) => `${c.id} ${c.w}x${c.h}px paths=${c.paths} (len ${c.pathLen}) points=${c.circles} labels=${c.texts}`).join('; '));

  // auto refresh: stamp and numbers move; focus stays on a control
  const stamp0 = await text('#exp-updated');
  await page.focus('#exp-reset');
  traffic(20);
  const before = api.arms.reduce((s, a) => s + a.requests, 0);
  await page.waitForFunction((s) => document.getElementById('exp-updated').textContent !== s, {timeout: 12000}, stamp0).catch(() => null);
  await sleep(300);
  const stamp1 = await text('#exp-updated');
  const reqCell1 = await page.evaluate(() => [...document.querySelectorAll('#exp-arms tr')].map((tr) => tr.innerText.replace(/\s+/g, ' ')).find((t) => t.startsWith('Requests')));
  const sum1 = [...reqCell1.matchAll(/(\d+) \(/g)].reduce((s, m) => s + Number(m[1]), 0);
  const focusKept = await page.evaluate(() => document.activeElement.id);
  await shot(page, 'experiments-refreshed');
  check('3c', 'auto-refresh updates numbers, keeps focus', stamp1 !== stamp0 && sum1 === before + 20 && focusKept === 'exp-reset',
      `"${stamp0}" -> "${stamp1}"; requests ${before} -> ${sum1} ("${reqCell1}"); focus after refresh #${focusKept}`);

  // Start the numbers over: asks; Cancel keeps; OK resets
  await page.click('#exp-reset');
  await page.waitForSelector('#confirm[open]');
  const resetDialog = await page.evaluate(() => ({title: document.getElementById('confirm-title').textContent,
    ok: document.getElementById('confirm-ok').textContent, focus: document.activeElement.id}));
  await shot(page, 'experiments-reset-dialog');
  await page.click('#confirm-cancel');
  await sleep(300);
  const afterCancel = experiment().arms.reduce((s, a) => s + a.requests, 0);
  await page.click('#exp-reset');
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => {
    const t = [...document.querySelectorAll('#exp-arms tr')].find((tr) => tr.innerText.startsWith('Requests'));
    return t && /\b0 \(/.test(t.innerText);
  }, {timeout: 10000}).catch(() => null);
  const afterOk = experiment().arms.reduce((s, a) => s + a.requests, 0);
  const reqCell2 = await page.evaluate(() => [...document.querySelectorAll('#exp-arms tr')].map((tr) => tr.innerText.replace(/\s+/g, ' ')).find((t) => t.startsWith('Requests')));
  await shot(page, 'experiments-after-reset');
  check('3d', '"Start the numbers over" asks first', resetDialog.title === 'Start the numbers over?' && afterCancel === sum1 && afterOk === 0,
      `dialog "${resetDialog.title}" [${resetDialog.ok}], focus #${resetDialog.focus}; after Cancel API total ${afterCancel}; after "${resetDialog.ok}" API total ${afterOk}, page "${reqCell2}"`);

  // Try and Status pages: render without errors (screenshots only)
  await page.click('a[data-page="try"]');
  await page.waitForFunction(() => document.querySelector('main h1') && !/Loading/.test(document.querySelector('main').textContent), {timeout: 10000});
  await shot(page, 'try');
  await page.click('a[data-page="status"]');
  await page.waitForFunction(() => document.querySelector('main h1') && /Status/.test(document.querySelector('main h1').textContent), {timeout: 10000});
  await sleep(500);
  await shot(page, 'status');

  // ===== 5. sign out =====
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'switchboard_admin_session');
  const cookieHeader = session ? `switchboard_admin_session=${session.value}` : '';
  const beforeOut = curlStatus(['-H', `Cookie: ${cookieHeader}`, `${BASE}/admin/virtual-models`]);
  await Promise.all([page.waitForNavigation({timeout: 10000}), page.click('#sign-out')]);
  await page.waitForSelector('#signin-form', {timeout: 10000});
  const afterOutPage = await page.evaluate(async () => (await fetch('virtual-models')).status);
  const afterOutCurl = curlStatus(['-H', `Cookie: ${cookieHeader}`, `${BASE}/admin/virtual-models`]);
  const cookiesAfter = (await page.cookies()).filter((c) => c.name === 'switchboard_admin_session').length;
  await page.goto(`${BASE}/admin/#/models`);
  const backToSignin = Boolean(await page.$('#signin-form'));
  await shot(page, 'signed-out');
  check('5', 'sign out ends the session', session && beforeOut === 200 && afterOutPage === 401 && afterOutCurl === 401 && backToSignin,
      `cookie ${session ? `HttpOnly=${session.httpOnly} SameSite=${session.sameSite} path=${session.path}` : 'missing'}; old cookie via curl: before ${beforeOut}, after ${afterOutCurl}; `
      + `page fetch after: ${afterOutPage}; cookie left in browser: ${cookiesAfter}; /admin/#/models shows sign-in: ${backToSignin}`);

  // (last, as it leaves the document unfocused in headless Firefox)
  // Tab past the last control: where does the focus go, and does it come back?
  await page.focus('#signin-submit');
  const wrap = [];
  for (let i = 0; i < 2; i++) {
    await page.keyboard.press('Tab');
    const a = await active();
    wrap.push(`${a.tag}${a.id ? '#' + a.id : ''} fv=${a.focusVisible} documentHasFocus=${await page.evaluate(() => document.hasFocus())}`);
  }
  notes.push(`sign-in: Tab past the Sign in button -> ${wrap.join(' -> ')}`);
  // Headless Firefox hands the focus to its own (invisible) browser UI there and the document stays unfocused
  // (no :focus-visible, Enter on a button does nothing) until the tab is activated again.
  await page.bringToFront();
  await page.keyboard.press('Tab');
  const back2 = await active();
  notes.push(`after bringToFront() and one more Tab: ${back2.tag}${back2.id ? '#' + back2.id : ''} fv=${back2.focusVisible} documentHasFocus=${await page.evaluate(() => document.hasFocus())}`);
  await browser.close();
  notes.push('document.hasFocus() at each check: ' + hasFocusLog.join(' '));
  const result = {browser: name, version, protocol: browser.protocol, checks, consoleErrors, httpErrors, notes};
  fs.writeFileSync(path.join(OUT, `results-${name}.json`), JSON.stringify(result, null, 2));
  return result;
}

// ---------- main ----------
const targets = [
  {name: 'firefox', options: {browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true,
    args: ['--remote-debugging-port=19610'], extraPrefsFirefox: {}}},
];
if (fs.existsSync('/usr/bin/chromium')) {
  targets.push({name: 'chromium', options: {browser: 'chrome', executablePath: '/usr/bin/chromium', headless: true, pipe: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage']}});
}
const gateway = await startGateway();
process.on('exit', () => gateway.kill('SIGTERM'));
process.on('unhandledRejection', (e) => console.log('unhandled rejection:', e && e.message));
const results = [];
try {
  for (const t of targets) {
    if (only && t.name !== only) continue;
    try {
      results.push(await run(t.name, t.options));
    } catch (e) {
      console.log(`[${t.name}] ABORTED: ${e.stack}`);
      results.push({browser: t.name, aborted: String(e.stack)});
    }
  }
} finally {
  gateway.kill('SIGTERM');
}
console.log('\n==== summary ====');
for (const r of results) {
  if (r.aborted) {
    console.log(`${r.browser}: aborted`);
    continue;
  }
  console.log(`${r.browser} ${r.version}: ${r.checks.filter((c) => c.pass).length}/${r.checks.length} passed`);
  for (const c of r.checks) console.log(`  ${c.pass ? 'PASS' : 'FAIL'} ${c.id} ${c.what}`);
  console.log(`  console errors/warnings: ${r.consoleErrors.length}`);
  for (const e of r.consoleErrors) console.log(`    [${e.type}] ${e.text} (${e.url})`);
  console.log(`  HTTP >= 400 seen by the page: ${r.httpErrors.length}`);
  for (const e of r.httpErrors) console.log(`    ${e}`);
  for (const n of r.notes) console.log(`  note: ${n}`);
}
// A console error or warning fails the run too (a script error the checks did not reach would otherwise pass).
const failed = results.some((r) => r.aborted || r.checks.some((c) => !c.pass) || r.consoleErrors.length > 0);
process.exitCode = failed || results.length === 0 ? 1 : 0;
