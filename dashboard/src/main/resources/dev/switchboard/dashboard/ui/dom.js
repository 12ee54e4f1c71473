// Small DOM helpers: elements are built with h(), never from HTML strings, so nothing a server or an operator
// typed is ever parsed as markup.

/**
 * h('a', {href: '#/x', class: 'button', onclick: fn}, 'text', child, [more children])
 * Attributes: class, text, on<event> handlers, boolean true/false (present/absent), everything else as an attribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element (same rules as h). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A model or virtual-model name, set in code. */
export function code(text) {
  return h('code', {}, text);
}

/** Segments (strings and {code: 'x'} / {warn: 'x'}) as inline nodes. */
export function segments(parts) {
  return parts.map((p) => (typeof p === 'string' ? p : p.code !== undefined ? code(p.code) : h('span', {class: 'warn'}, p.warn)));
}

/** Joins names into "a, b and c" segments, each in code. */
export function list(names, word = 'and') {
  const out = [];
  names.forEach((n, i) => {
    if (i > 0) out.push(i === names.length - 1 ? ` ${word} ` : ', ');
    out.push({code: n});
  });
  return out;
}

export function fmtNumber(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toFixed(digits)).toString();
}

export function fmtPercent(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return Number((v * 100).toFixed(digits)).toString() + '%';
}

export function fmtP(p) {
  if (p === null || p === undefined) return '–';
  if (p < 0.0001) return '< 0.0001';
  // Three significant digits: with two, p = 0.0496 read "0.05" beside a verdict of "higher"; one that still rounds up to
  // the threshold from below (0.04996) reads "< 0.05".
  const shown = Number(p.toPrecision(3));
  return p < 0.05 && shown >= 0.05 ? '< 0.05' : shown.toString();
}

/** A p-value in a sentence: "p = 0.03", or "p < 0.0001" (never "p = < 0.0001"). */
export function pIs(p) {
  const text = fmtP(p);
  return text.startsWith('<') ? 'p ' + text : 'p = ' + text;
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', {dateStyle: 'medium', timeStyle: 'medium'});
}

/** The confirmation dialog of the page: resolves true when the operator confirmed. */
export function confirmDialog({title, text, ok = 'Delete', danger = true}) {
  const dialog = document.getElementById('confirm');
  const okButton = document.getElementById('confirm-ok');
  document.getElementById('confirm-title').textContent = title;
  replace(document.getElementById('confirm-text'), ...(Array.isArray(text) ? segments(text) : [text]));
  okButton.textContent = ok;
  okButton.className = danger ? 'danger' : '';
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      if (opener && opener.isConnected) opener.focus();
    }, {once: true});
    dialog.returnValue = 'cancel';
    dialog.showModal();
    // The safe choice has the focus: Enter alone does not delete.
    document.getElementById('confirm-cancel').focus();
  });
}
