// New / Edit virtual model: Source, Target rows (model from the catalog or typed, weight, order), Strategy,
// Fallbacks (when the API has them), User paths, Description, Enabled; a live sentence says what saving will do;
// the API's validation messages appear at the fields they name. Config-file rows are shown read-only.
import * as api from './api.js';
import * as data from './data.js';
import * as models from './models.js';
import {describe, weight} from './sentence.js';
import {h, code, replace, segments} from './dom.js';

const FIELDS = /^(old_source|source|targets|target|strategy|user_paths|enabled|description|fallbacks)((?:\[\d+\])?)((?:\.\w+)*)(?::\s*|\s+)([\s\S]*)$/;
const DRAFT = 'switchboard-draft';
const SPLIT = /; (?=(?:old_source|source|targets|target|strategy|user_paths|enabled|description|fallbacks)\b)/;

export async function render(main, {mode, source}) {
  const d = await data.load();
  const existing = mode === 'edit' ? d.virtualModels.find((v) => v.source === source) : null;
  // A save that met an ended session kept the form; after signing in again it comes back here, unsaved, once.
  const kept = takeDraft();
  if (mode === 'edit' && !existing) {
    replace(main, h('h1', {}, 'Virtual model not found'),
        h('p', {class: 'notice'}, 'There is no virtual model ', code(source), ' (any more). ', h('a', {href: '#/models'}, 'Back to Models')));
    return null;
  }
  const readOnly = Boolean(existing && existing.managed);
  const configFile = readOnly && d.files.length ? d.files[0].path : null;
  const isNew = mode === 'new';
  const state = {
    targets: existing ? existing.targets.map((t) => ({model: t.model, weight: String(t.weight)})) : [],
    fallbacks: existing && existing.fallbacks ? [...existing.fallbacks] : [],
  };
  if (isNew && !source) state.targets.push({model: '', weight: '1'});
  const draft = readOnly || !kept ? null : kept.form;
  if (draft) Object.assign(state, {targets: draft.targets, fallbacks: draft.fallbacks});
  // Saved against the revision the form was read at: a change made meanwhile is a 412 that shows it, never overwritten.
  if (draft) d.etag = kept.etag;

  const disabled = readOnly ? true : undefined;
  const names = data.names(d);
  const sourceInput = h('input', {type: 'text', id: 'vm-source', list: 'vm-names', autocomplete: 'off', required: true,
    value: existing ? existing.source : source || '', disabled, 'aria-describedby': 'vm-source-hint vm-source-error'});
  const strategy = h('select', {id: 'vm-strategy', disabled, 'aria-describedby': 'vm-strategy-error'},
      h('option', {value: 'sticky'}, 'sticky: each caller keeps one target'),
      h('option', {value: 'round_robin'}, 'round robin: targets take turns'),
      h('option', {value: 'failover'}, 'failover: in order, the next when one fails'));
  strategy.value = existing && existing.strategy ? existing.strategy : 'sticky';
  if (draft) {
    sourceInput.value = draft.source;
    strategy.value = draft.strategy;
  }
  const paths = h('textarea', {id: 'vm-user-paths', rows: 3, disabled, placeholder: '/acme/ml\n/acme/labs',
    'aria-describedby': 'vm-user-paths-hint vm-user-paths-error'});
  paths.value = existing ? existing.user_paths.join('\n') : '';
  const description = h('input', {type: 'text', id: 'vm-description', disabled, value: existing ? existing.description : '',
    'aria-describedby': 'vm-description-error'});
  const enabled = h('input', {type: 'checkbox', id: 'vm-enabled', disabled});
  enabled.checked = existing ? existing.enabled : true;
  if (draft) {
    paths.value = draft.userPaths.join('\n');
    description.value = draft.description;
    enabled.checked = draft.enabled;
  }
  const sentence = h('p', {id: 'vm-sentence', class: 'sentence', 'aria-live': 'polite'});
  const formError = h('p', {id: 'vm-form-error', class: 'notice error-box', role: 'alert', tabindex: -1, hidden: true});
  const targetRows = h('div', {class: 'rows', id: 'vm-targets'});
  const fallbackRows = h('div', {class: 'rows', id: 'vm-fallbacks'});
  const kindNote = h('p', {class: 'hint', id: 'vm-kind-note'});

  const read = () => ({
    source: sourceInput.value,
    oldSource: existing ? existing.source : '',
    isNew,
    targets: state.targets,
    strategy: strategy.value,
    fallbacks: state.fallbacks,
    // One per line, as the field says: a comma is part of a path (the API takes one), never a separator.
    userPaths: paths.value.split('\n').map((p) => p.trim()).filter(Boolean),
    enabled: enabled.checked,
    description: description.value,
  });
  const update = () => {
    const f = read();
    replace(sentence, ...segments(describe(f, d)));
    const redirect = f.targets.some((t) => t.model.trim());
    strategy.disabled = readOnly || !redirect;
    kindNote.textContent = redirect ? 'With a target this is a redirect.' : 'No target: this is an access policy.';
  };

  // Saved, deleted, cancelled, or being saved (its draft is kept meanwhile): leaving it loses nothing.
  let settled = readOnly;
  let opened = null;
  /** Whether leaving now would lose what was typed: the form differs from what it was opened with (a draft given
   * back differs from the start: it is not saved). */
  const unsaved = () => !settled && (Boolean(draft) || JSON.stringify(read()) !== opened);

  const rowsOf = (kind) => (kind === 'target' ? state.targets : state.fallbacks);
  const drawRows = (kind, focus) => {
    const list = rowsOf(kind);
    const container = kind === 'target' ? targetRows : fallbackRows;
    replace(container, list.map((item, i) => rowElement(kind, list, i, item)));
    if (focus) {
      const el = document.getElementById(focus);
      if (el) el.focus();
    }
    update();
  };
  const rowElement = (kind, list, i, item) => {
    const n = i + 1;
    const id = kind === 'target' ? `vm-target-${i}` : `vm-fallback-${i}`;
    const label = kind === 'target' ? `Target ${n}` : `Fallback ${n}`;
    const model = h('input', {type: 'text', id: `${id}-model`, list: 'vm-names', autocomplete: 'off', disabled,
      value: kind === 'target' ? item.model : item, 'aria-label': `${label} model`, 'aria-describedby': `${id}-error`,
      oninput: (e) => {
        if (kind === 'target') item.model = e.target.value;
        else list[i] = e.target.value;
        update();
      }});
    const move = (by) => {
      const [x] = list.splice(i, 1);
      list.splice(i + by, 0, x);
      // The focus stays on the moved row: its button of the same direction, or the other one at either end.
      const at = i + by;
      const dir = by < 0 ? (at > 0 ? 'up' : 'down') : (at < list.length - 1 ? 'down' : 'up');
      drawRows(kind, `${kind === 'target' ? 'vm-target' : 'vm-fallback'}-${at}-${dir}`);
    };
    const buttons = readOnly ? null : h('span', {class: 'buttons'},
        h('button', {type: 'button', class: 'icon', id: `${id}-up`, 'aria-label': `Move ${label.toLowerCase()} up`,
          disabled: i === 0 ? true : undefined, onclick: () => move(-1)}, '↑'),
        h('button', {type: 'button', class: 'icon', id: `${id}-down`, 'aria-label': `Move ${label.toLowerCase()} down`,
          disabled: i === list.length - 1 ? true : undefined, onclick: () => move(1)}, '↓'),
        h('button', {type: 'button', class: 'icon', id: `${id}-remove`, 'aria-label': `Remove ${label.toLowerCase()}`,
          onclick: () => {
            list.splice(i, 1);
            const prefix = kind === 'target' ? 'vm-target' : 'vm-fallback';
            drawRows(kind, list.length ? `${prefix}-${Math.min(i, list.length - 1)}-model` : (kind === 'target' ? 'vm-add-target' : 'vm-add-fallback'));
          }}, '✕'));
    const cells = [h('span', {class: 'pos', 'aria-hidden': 'true'}, String(n)), model];
    if (kind === 'target') {
      cells.push(h('input', {type: 'number', id: `${id}-weight`, min: 1, step: 1, value: item.weight, disabled,
        'aria-label': `${label} weight`, 'aria-describedby': `${id}-error`,
        oninput: (e) => {
          item.weight = e.target.value;
          update();
        }}));
    }
    cells.push(buttons || h('span'));
    cells.push(h('p', {class: 'error', id: `${id}-error`}));
    return h('div', {class: kind === 'target' ? 'row' : 'row no-weight'}, cells);
  };

  for (const el of [sourceInput, paths, description]) el.addEventListener('input', update);
  enabled.addEventListener('change', update);
  strategy.addEventListener('change', update);

  const title = isNew ? 'New virtual model' : readOnly ? `Virtual model ${existing.source}` : `Edit ${existing.source}`;
  const save = readOnly ? null : h('button', {type: 'submit', id: 'vm-save'}, 'Save');
  const remove = !readOnly && !isNew ? h('button', {type: 'button', class: 'danger', id: 'vm-delete',
    onclick: () => models.remove(existing, main, () => {
      settled = true;
      models.flash(['Deleted ', {code: existing.source}, '.']);
      location.hash = '#/models';
    }, d.etag)}, 'Delete') : null;
  const form = h('form', {class: 'vm', id: 'vm-form', novalidate: true},
      h('label', {for: 'vm-source', class: 'field-label'}, 'Source'),
      h('div', {}, sourceInput,
          h('p', {class: 'hint', id: 'vm-source-hint'}, 'The name callers ask for. For an access policy: a selector, ',
              code('/'), ', ', code('provider/'), ', ', code('provider/model'), ' or a bare ', code('model'), '.'),
          h('p', {class: 'error', id: 'vm-source-error'})),
      h('span', {class: 'field-label', id: 'vm-targets-label'}, 'Target'),
      h('div', {role: 'group', 'aria-labelledby': 'vm-targets-label'},
          h('p', {class: 'hint'}, 'Models the source is sent to, with weights. Pick from the catalog or type any model. Leave empty for an access policy.'),
          targetRows,
          readOnly ? null : h('button', {type: 'button', class: 'secondary', id: 'vm-add-target', onclick: () => {
            state.targets.push({model: '', weight: '1'});
            drawRows('target', `vm-target-${state.targets.length - 1}-model`);
          }}, 'Add target'),
          kindNote,
          h('p', {class: 'error', id: 'vm-targets-error'})),
      h('label', {for: 'vm-strategy', class: 'field-label'}, 'Strategy'),
      h('div', {}, strategy, h('p', {class: 'hint'}, 'How a target is chosen when there are several.'),
          h('p', {class: 'error', id: 'vm-strategy-error'})),
      h('span', {class: 'field-label', id: 'vm-fallbacks-label'}, 'Fallbacks'),
        h('div', {role: 'group', 'aria-labelledby': 'vm-fallbacks-label'},
            h('p', {class: 'hint'}, 'Models tried in order when the chosen target fails before answering.'),
            fallbackRows,
            readOnly ? null : h('button', {type: 'button', class: 'secondary', id: 'vm-add-fallback', onclick: () => {
              state.fallbacks.push('');
              drawRows('fallback', `vm-fallback-${state.fallbacks.length - 1}-model`);
            }}, 'Add fallback'),
            h('p', {class: 'error', id: 'vm-fallbacks-error'})),
      h('label', {for: 'vm-user-paths', class: 'field-label'}, 'User paths'),
      h('div', {}, paths, h('p', {class: 'hint', id: 'vm-user-paths-hint'},
          'One per line. A redirect applies only to callers under these paths; an access policy admits only them. Empty: everyone.'),
      h('p', {class: 'error', id: 'vm-user-paths-error'})),
      h('label', {for: 'vm-description', class: 'field-label'}, 'Description'),
      h('div', {}, description, h('p', {class: 'error', id: 'vm-description-error'})),
      h('span', {class: 'field-label'}, 'Enabled'),
      h('div', {}, h('label', {class: 'inline', for: 'vm-enabled'}, enabled, 'Enabled'),
          h('p', {class: 'error', id: 'vm-enabled-error'})),
      h('div', {class: 'wide'}, h('h2', {class: 'small muted'}, 'What saving will do'), sentence),
      h('div', {class: 'wide'}, formError,
          h('div', {class: 'actions'}, save, h('a', {href: models.listAddress(), class: 'button secondary', id: 'vm-cancel',
            onclick: () => { settled = true; }}, readOnly ? 'Back' : 'Cancel'), remove)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (readOnly) return;
    clearErrors(form, formError);
    // A number field the browser cannot read ("2-") has the value "": sent so, it would be stored as weight 1 while
    // the field still shows what was typed.
    const unreadable = [...form.querySelectorAll('input[type=number]')].filter((el) => el.validity.badInput);
    if (unreadable.length) {
      for (const el of unreadable) {
        const p = document.getElementById(el.id.replace(/-weight$/, '-error'));
        if (p) p.textContent = 'This weight is not a number: type a whole number of at least 1.';
        el.setAttribute('aria-invalid', 'true');
      }
      unreadable[0].focus();
      return;
    }
    const f = read();
    // The rows sent, by their place in the request: an error names that place, and blank rows are not sent.
    const sent = {targets: [], fallbacks: []};
    const body = {source: f.source.trim()};
    if (!isNew && existing.source !== body.source) body.old_source = existing.source;
    const targets = [];
    f.targets.forEach((t, i) => {
      if (!t.model.trim()) return;
      sent.targets.push(i);
      const w = String(t.weight).trim();
      const target = {model: t.model.trim()};
      if (w) target.weight = /^-?\d+(\.\d+)?$/.test(w) ? Number(w) : w;
      targets.push(target);
    });
    if (targets.length) {
      body.targets = targets;
      body.strategy = f.strategy;
      body.fallbacks = [];
      f.fallbacks.forEach((m, i) => {
        if (!m.trim()) return;
        sent.fallbacks.push(i);
        body.fallbacks.push(m.trim());
      });
    }
    body.user_paths = f.userPaths;
    body.enabled = f.enabled;
    // A text field drops the line breaks of the value it shows: a stored description that has some, left as shown,
    // is sent as stored, not joined into one line.
    const stored = existing && existing.description ? existing.description : '';
    body.description = f.description === stored.replace(/[\r\n]/g, '') ? stored : f.description;
    save.disabled = true;
    save.textContent = 'Saving…';
    settled = true;
    sessionStorage.setItem(DRAFT, JSON.stringify({hash: location.hash, form: f, etag: d.etag}));
    try {
      await api.call('PUT', 'virtual-models', body, {ifMatch: d.etag});
      sessionStorage.removeItem(DRAFT);
      models.flash(['Saved ', {code: body.source}, '.']);
      location.hash = '#/models';
    } catch (err) {
      if (err.status === 401) return;
      settled = false;
      sessionStorage.removeItem(DRAFT);
      if (err.status === 412) await conflict(d, existing ? existing.source : body.source, formError);
      else showErrors(err, sent, form, formError);
    } finally {
      save.disabled = false;
      save.textContent = 'Save';
    }
  });

  replace(main,
      h('p', {class: 'small'}, h('a', {href: models.listAddress()}, '← Models')),
      h('h1', {}, title),
      draft ? h('p', {class: 'notice info', id: 'vm-draft-note', role: 'status'},
          'Your session had ended: this is what you typed before signing in again. It is not saved yet.') : null,
      readOnly ? h('p', {class: 'notice', id: 'vm-managed-note'}, code(existing.source),
          ' is defined in the config file', configFile ? [' ', code(configFile)] : '',
          ', so it is read-only here. Change it in the file; the gateway reloads it by itself.') : null,
      data.reloadNotice(d),
      existing && existing.warnings.length ? h('ul', {class: 'notice'}, existing.warnings.map((w) => h('li', {}, w))) : null,
      data.datalist('vm-names', names),
      form);
  drawRows('target');
  drawRows('fallback');
  update();
  opened = JSON.stringify(read());
  return {unsaved};
}

function clearErrors(form, formError) {
  for (const p of form.querySelectorAll('p.error')) p.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  formError.hidden = true;
  formError.textContent = '';
}

/** Puts each part of the API's message at the field it names; the rest above the buttons. */
function showErrors(err, sent, form, formError) {
  const rest = [];
  let first = null;
  const mark = (inputId, errorId, text) => {
    const p = document.getElementById(errorId);
    if (!p) return false;
    p.textContent = p.textContent ? p.textContent + ' ' + text : text;
    const input = inputId && document.getElementById(inputId);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      if (!first) first = input;
    }
    return true;
  };
  const parts = err.status === 400 ? err.message.split(SPLIT) : [err.message];
  for (const part of parts) {
    // A 409 about the row names it ("virtual model x is managed by config", "... already exists"); any other is about
    // this node (it cannot apply the admin store as it is now): the form's, not the Source field's.
    const m = err.status !== 409 ? part.match(FIELDS) : part.startsWith('virtual model ') ? ['', 'source', '', '', part] : null;
    if (!m) {
      rest.push(part);
      continue;
    }
    const [, field, index, sub] = m;
    const text = part.includes(':') && !m[0].startsWith(field + ' ') ? m[4] : part;
    const i = index ? Number(index.slice(1, -1)) : null;
    let placed = false;
    if (field === 'source' || field === 'old_source') placed = mark('vm-source', 'vm-source-error', text);
    else if ((field === 'targets' || field === 'target') && i !== null && sent.targets[i] !== undefined) {
      const row = `vm-target-${sent.targets[i]}`;
      placed = mark(sub === '.weight' ? `${row}-weight` : `${row}-model`, `${row}-error`, text);
    } else if (field === 'targets' || field === 'target') placed = mark(null, 'vm-targets-error', text);
    else if (field === 'fallbacks' && i !== null && sent.fallbacks[i] !== undefined) {
      const row = `vm-fallback-${sent.fallbacks[i]}`;
      placed = mark(`${row}-model`, `${row}-error`, text);
    }
    else if (field === 'fallbacks') placed = mark(null, 'vm-fallbacks-error', text);
    else if (field === 'user_paths') placed = mark('vm-user-paths', 'vm-user-paths-error', text);
    else placed = mark(`vm-${field}`, `vm-${field}-error`, text);
    if (!placed) rest.push(part);
  }
  if (rest.length) {
    formError.textContent = 'Not saved: ' + rest.join('; ');
    formError.hidden = false;
  }
  if (first) first.focus();
  else if (rest.length) formError.focus();
}

/**
 * 412: someone saved since the form was read. Says what is stored now, keeps what the operator typed, and takes the
 * new revision, so that Save, pressed again knowing this, stores the form in place of it (a reload would lose it).
 */
async function conflict(d, source, formError) {
  let now;
  try {
    now = await data.load();
  } catch (e) {
    now = null;
  }
  const parts = ['Not saved: the virtual models changed since this form was opened. '];
  if (now) {
    Object.assign(d, now);
    const v = now.virtualModels.find((x) => x.source === source);
    if (!v) parts.push({code: source}, ' is not stored now. ');
    else {
      parts.push('Stored now: ', ...describe({source, oldSource: source, isNew: false, strategy: v.strategy || 'sticky',
        targets: v.targets.map((t) => ({model: t.model, weight: String(t.weight)})), fallbacks: v.fallbacks || [],
        userPaths: v.user_paths, enabled: v.enabled}, now));
      if (v.description) parts.push(' Description: ', v.description, '.');
      parts.push(' ');
    }
    parts.push('What you typed is still here: Save again to store it in place of that, or Cancel to keep it.');
  } else parts.push('Reload this page to see the change (what you typed will be lost).');
  replace(formError, ...segments(parts));
  formError.hidden = false;
  formError.focus();
}

/** At sign-out: a form kept for after signing in again is not handed to whoever signs in next in this tab. */
export function forgetDraft() {
  sessionStorage.removeItem(DRAFT);
}

/** What a save left when the session had ended ({form, etag}), if it was for this address (once). */
function takeDraft() {
  const raw = sessionStorage.getItem(DRAFT);
  sessionStorage.removeItem(DRAFT);
  try {
    const draft = raw ? JSON.parse(raw) : null;
    return draft && draft.hash === location.hash ? draft : null;
  } catch (e) {
    return null;
  }
}
