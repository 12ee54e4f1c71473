// Status: GET /admin/status (version, configuration version, files, store, last reload error, counts, warnings)
// and POST /admin/reload. Fields this page has no tile for (failover's circuit breakers) are
// shown as they come, so a newer gateway's status is never hidden.
import * as api from './api.js';
import {h, code, replace, fmtTime} from './dom.js';

const KNOWN = new Set(['version', 'config_version', 'files', 'store', 'loaded_at', 'last_reload_error', 'counts', 'warnings']);

export async function render(main) {
  const st = await api.get('status');
  show(main, st, null);
  return null;
}

function show(main, st, note) {
  const tile = (label, value, id) => h('div', {class: 'card tile', id}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
  const err = st.last_reload_error;
  const reload = h('button', {type: 'button', id: 'status-reload', onclick: async () => {
    reload.disabled = true;
    try {
      const r = await api.call('POST', 'reload');
      show(main, r.data, h('p', {class: 'notice info', role: 'status'}, 'Reloaded: the files are valid and in force.'));
    } catch (e) {
      if (e.status === 422 && e.body) {
        show(main, e.body, h('p', {class: 'notice error-box', role: 'alert'}, 'The files are invalid: the last good configuration stays in force.'));
      } else if (e.status === 503 && e.body && e.body.last_reload_error) {
        show(main, e.body, h('p', {class: 'notice error-box', role: 'alert'}, 'The admin store cannot be read: ',
            waiting(e.body) ? 'this node still refuses every request.'
              : snapshot(e.body) ? 'the rows of its snapshot stay in force.' : 'the last good configuration stays in force.'));
      } else if (e.status !== 401) {
        main.prepend(h('p', {class: 'notice error-box', role: 'alert'}, 'Reload failed: ' + e.message));
      }
    } finally {
      reload.disabled = false;
    }
  }}, 'Reload the files now');
  const store = st.store || {};
  replace(main,
      h('h1', {}, 'Status'),
      note,
      h('div', {class: 'tiles'},
          tile('Switchboard version', st.version, 'status-version'),
          tile('Configuration version', h('span', {class: 'mono', title: st.config_version}, (st.config_version || '').slice(0, 16)), 'status-config-version'),
          tile('Loaded at', fmtTime(st.loaded_at), 'status-loaded-at'),
          tile('Admin store', [store.kind, ' ', code(store.location || '–')], 'status-store'),
          tile('Store revision', h('span', {class: 'mono', title: store.revision || ''}, (store.revision || '–').slice(0, 16)), 'status-revision'),
          tile('Last store sync', fmtTime(store.last_sync), 'status-sync')),
      h('h2', {}, 'Last reload error'),
      err ? h('div', {class: 'notice error-box', id: 'status-error', role: 'alert'},
          waiting(st)
            ? h('p', {}, 'This node has not read its rules from the admin store since it started: it refuses every request ',
                '(503 store_unavailable) until it can. Since ', fmtTime(err.at), ':')
            : snapshot(st)
              ? h('p', {id: 'status-snapshot'}, 'This node started while its admin store could not be read: it serves the rows of',
                  ' its snapshot ', code(snapshot(st).file), ' (revision ', snapshot(st).revision, ', read from the store ',
                  fmtTime(snapshot(st).saved_at), ') until it can; writes made since are not in them. Since ', fmtTime(err.at), ':')
              : h('p', {}, 'Since ', fmtTime(err.at), ' newer content is not in force; the last good configuration serves on:'),
          h('ul', {}, err.errors.map((x) => h('li', {class: 'mono'}, x))))
        : h('p', {class: 'muted', id: 'status-error'}, 'None: the files on disk are what the gateway serves.'),
      h('div', {class: 'actions'}, reload),
      h('h2', {}, 'Files'),
      h('div', {class: 'table-wrap'}, h('table', {id: 'status-files'},
          h('thead', {}, h('tr', {}, ['Path', 'SHA-256', 'Exists'].map((c) => h('th', {scope: 'col'}, c)))),
          h('tbody', {}, (st.files || []).map((f) => h('tr', {},
              h('td', {}, code(f.path)), h('td', {class: 'mono small'}, f.sha256 ? f.sha256.slice(0, 16) + '…' : '–'),
              h('td', {}, f.exists ? 'yes' : h('strong', {}, 'no'))))))),
      h('h2', {}, 'Rules in force'),
      st.counts ? h('dl', {class: 'facts', id: 'status-counts'}, Object.entries(st.counts).map(([k, v]) => [
        h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, String(v))])) : null,
      h('h2', {}, 'Warnings'),
      st.warnings && st.warnings.length
        ? h('ul', {id: 'status-warnings'}, st.warnings.map((w) => h('li', {}, w)))
        : h('p', {class: 'muted', id: 'status-warnings'}, 'None.'),
      Object.entries(st).filter(([k]) => !KNOWN.has(k)).map(([k, v]) => [h('h2', {}, title(k)), generic(v)]));
}

/** Whether the node waits for its admin store (not read since it started): it serves no revision of it, and no rules. */
function waiting(st) {
  return !!st.store && st.store.revision === null && !!st.last_reload_error;
}

// The rows of the store's snapshot file (admin.store_snapshot), served since a start without the database, or null.
function snapshot(st) {
  return (st.store && st.store.from_snapshot) || null;
}

function title(key) {
  const t = key.replace(/_/g, ' ');
  return t[0].toUpperCase() + t.slice(1);
}

/** Any JSON value: lists of objects as tables, objects as facts, the rest as text. */
function generic(v) {
  if (Array.isArray(v)) {
    if (!v.length) return h('p', {class: 'muted'}, 'None.');
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const cols = [...new Set(v.flatMap((x) => Object.keys(x)))];
      return h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, cols.map((c) => h('th', {scope: 'col'}, c.replace(/_/g, ' '))))),
          h('tbody', {}, v.map((x) => h('tr', {}, cols.map((c) => h('td', {}, text(x[c]))))))));
    }
    return h('ul', {}, v.map((x) => h('li', {}, text(x))));
  }
  if (v && typeof v === 'object') {
    return h('dl', {class: 'facts'}, Object.entries(v).map(([k, x]) => [h('dt', {}, k.replace(/_/g, ' ')),
      h('dd', {}, x && typeof x === 'object' ? generic(x) : text(x))]));
  }
  return h('p', {}, text(v));
}

function text(x) {
  if (x === null || x === undefined) return '–';
  return typeof x === 'object' ? JSON.stringify(x) : String(x);
}
