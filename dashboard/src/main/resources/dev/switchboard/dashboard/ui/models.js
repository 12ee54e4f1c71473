// Models: every model the providers list and every virtual model (redirects and access policies), with search
// and a kind filter. Rows of the config file are read-only here; the admin store's rows can be edited and deleted.
import * as api from './api.js';
import * as data from './data.js';
import {h, code, append, replace, segments, confirmDialog} from './dom.js';

const KINDS = {provider: 'provider model', redirect: 'redirect', policy: 'access policy'};
const PLURALS = {provider: 'Provider models', redirect: 'Redirects', policy: 'Access policies'};
let pending = null;
let address = '#/models';

/** A message for the next time the list is shown ("Saved x."). */
export function flash(parts) {
  pending = parts;
}

/** The list's address as it was last shown, filter included: where the form's Cancel goes back to. */
export function listAddress() {
  return address;
}

/** Rows of the table: one per provider model, one per virtual model. */
function rows(d) {
  const redirectsBySource = new Map(d.virtualModels.filter((v) => v.kind === 'redirect').map((v) => [v.source, v]));
  const out = d.catalog.map((m) => ({
    kind: 'provider',
    name: m.id,
    provider: m.owned_by,
    shadowedBy: redirectsBySource.get(m.id) || null,
  }));
  for (const v of d.virtualModels) {
    out.push({kind: v.kind, name: v.source, vm: v, shadows: v.kind === 'redirect' ? data.shadowed(v.source, d.catalog) : null});
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1));
  return out;
}

function haystack(r) {
  const parts = [r.name, KINDS[r.kind], r.provider || ''];
  if (r.vm) {
    parts.push(r.vm.description || '', ...r.vm.targets.map((t) => t.model), ...(r.vm.fallbacks || []), ...r.vm.user_paths,
        r.vm.strategy || '');
    parts.push(r.vm.managed ? 'config file managed' : 'admin store');
  }
  return parts.join(' ').toLowerCase();
}

function targetsCell(r) {
  if (r.kind === 'provider') {
    return h('td', {}, h('span', {class: 'muted'}, 'listed by ', code(r.provider)),
        r.shadowedBy ? h('div', {class: 'small'}, 'shadowed by the redirect ', code(r.shadowedBy.source)) : null);
  }
  const v = r.vm;
  if (v.kind === 'policy') return h('td', {class: 'muted'}, '—');
  const total = v.targets.reduce((s, t) => s + t.weight, 0);
  // Failover ignores weights: its targets are an order (first, then the next when one fails), not shares.
  const share = (t, i) => v.strategy === 'failover' ? (i === 0 ? ' first' : ' when the one before fails')
    : ` weight ${t.weight} (${pct(t.weight, total)})`;
  return h('td', {},
      h('ul', {class: 'targets'}, v.targets.map((t, i) => h('li', {}, code(t.model),
          v.targets.length > 1 ? h('span', {class: 'muted small'}, share(t, i)) : null))),
      v.targets.length > 1 ? h('div', {class: 'muted small'}, v.strategy) : null,
      (v.fallbacks || []).length ? h('div', {class: 'small'}, 'fallbacks: ', v.fallbacks.map((f, i) => [i ? ', ' : '', code(f)])) : null,
      r.shadows ? h('div', {class: 'small'}, 'shadows the real model ', code(r.shadows)) : null);
}

function pct(w, total) {
  return Number(((w * 100) / total).toFixed(1)) + '%';
}

function scopeCell(r) {
  if (r.kind === 'provider') return h('td', {class: 'muted'}, '—');
  const paths = r.vm.user_paths;
  if (!paths.length) return h('td', {}, 'everyone');
  return h('td', {}, paths.map((p, i) => [i ? ', ' : '', code(p)]));
}

function enabledCell(r) {
  if (r.kind === 'provider') return h('td', {class: 'muted'}, '—');
  return h('td', {}, r.vm.enabled ? h('span', {class: 'badge on'}, 'enabled') : h('span', {class: 'badge off'}, 'disabled'));
}

function managedCell(r) {
  if (r.kind === 'provider') return h('td', {class: 'muted small'}, 'provider');
  return h('td', {class: 'small'}, r.vm.managed ? 'config file (read-only)' : 'admin store');
}

export async function render(main, query) {
  const d = await data.load();
  const all = rows(d);
  const search = h('input', {type: 'search', id: 'model-search', placeholder: 'name, target, path, description…',
    value: query.get('q') || ''});
  const kind = h('select', {id: 'model-kind'},
      h('option', {value: ''}, 'All kinds'),
      Object.entries(PLURALS).map(([k, label]) => h('option', {value: k}, label)));
  kind.value = query.get('kind') || '';
  const count = h('p', {id: 'model-count', class: 'muted small', 'aria-live': 'polite'});
  const tbody = h('tbody');
  const notices = [];
  for (const p of d.providers) {
    if (!p.configured) {
      notices.push(h('li', {}, 'Provider ', code(p.name), ' is not configured (no api_key): its models are not listed and not routed to.'));
    } else if (p.error) {
      notices.push(h('li', {}, 'Provider ', code(p.name), `: its model listing failed (${p.error}); its models are missing here.`));
    }
  }

  const draw = () => {
    const text = search.value.trim().toLowerCase();
    const shown = all.filter((r) => (!kind.value || r.kind === kind.value) && (!text || haystack(r).includes(text)));
    replace(tbody, shown.map((r) => row(r, main, d.etag)));
    if (!shown.length) tbody.append(h('tr', {}, h('td', {colspan: 7, class: 'muted'}, 'No model matches.')));
    count.textContent = `${shown.length} of ${all.length} models`;
    // The filter is part of the address: reload and back keep it.
    const q = new URLSearchParams();
    if (search.value) q.set('q', search.value);
    if (kind.value) q.set('kind', kind.value);
    address = '#/models' + (q.toString() ? '?' + q : '');
    history.replaceState(null, '', address);
  };
  search.addEventListener('input', draw);
  kind.addEventListener('change', draw);

  const message = pending ? h('p', {class: 'notice info', role: 'status', id: 'models-flash'}, segments(pending)) : null;
  pending = null;
  replace(main,
      h('h1', {}, 'Models'),
      message,
      h('p', {class: 'muted'}, 'Every model the providers list and every virtual model. Redirects send a name to other models; access policies decide who may use a model.'),
      data.reloadNotice(d),
      notices.length ? h('ul', {class: 'notice'}, notices) : null,
      h('div', {class: 'toolbar'},
          h('div', {class: 'grow'}, h('label', {for: 'model-search'}, 'Search'), search),
          h('div', {}, h('label', {for: 'model-kind'}, 'Kind'), kind),
          h('a', {class: 'button', href: '#/models/new', id: 'new-virtual-model'}, 'New virtual model')),
      count,
      h('div', {class: 'table-wrap'}, h('table', {id: 'models-table'},
          h('thead', {}, h('tr', {},
              h('th', {scope: 'col'}, 'Name'), h('th', {scope: 'col'}, 'Kind'), h('th', {scope: 'col'}, 'Targets'),
              h('th', {scope: 'col'}, 'Scope'), h('th', {scope: 'col'}, 'Enabled'), h('th', {scope: 'col'}, 'Defined in'),
              h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Actions')))),
          tbody)));
  draw();
}

function row(r, main, etag) {
  const name = encodeURIComponent(r.name);
  const own = r.kind === 'provider'
    ? [h('a', {href: `#/models/new?source=${name}`, class: 'button secondary', 'aria-label': `Shadow ${r.name}`}, 'Shadow')]
    : r.vm.managed
      ? [h('a', {href: `#/models/edit/${name}`, class: 'button secondary', 'aria-label': `View ${r.name}`}, 'View')]
      : [h('a', {href: `#/models/edit/${name}`, class: 'button secondary', 'aria-label': `Edit ${r.name}`}, 'Edit'), ' ',
        h('button', {type: 'button', class: 'secondary', 'aria-label': `Delete ${r.name}`, onclick: () => remove(r.vm, main, null, etag)}, 'Delete')];
  // A policy's selector `/` or `provider/` is no name a caller can ask for (SPEC section 2, step 4): nothing to try.
  const selector = r.kind === 'policy' && r.name.endsWith('/');
  const actions = append(h('td', {class: 'actions-cell'}), [own, selector ? null
    : [' ', h('a', {href: `#/try?model=${name}`, class: 'button secondary', 'aria-label': `Try ${r.name}`}, 'Try')]]);
  const warnings = r.vm && r.vm.warnings.length
    ? h('ul', {class: 'warnings'}, r.vm.warnings.map((w) => h('li', {}, w))) : null;
  return h('tr', {'data-name': r.name, 'data-kind': r.kind},
      h('th', {scope: 'row', class: 'name-cell'}, code(r.name),
          r.vm && r.vm.description ? h('div', {class: 'muted small'}, r.vm.description) : null, warnings),
      h('td', {}, h('span', {class: 'badge ' + r.kind}, KINDS[r.kind])),
      targetsCell(r), scopeCell(r), enabledCell(r), managedCell(r), actions);
}

/**
 * Delete asks first, then DELETE /admin/virtual-models with If-Match: the revision the page read (a row changed
 * meanwhile, say into a deny policy, is a 412 that shows the list as it is now, never deleted unseen).
 */
export async function remove(vm, main, after, etag) {
  const consequence = vm.kind === 'redirect'
    ? ['Callers asking for ', {code: vm.source}, ' will no longer be redirected.']
    : ['The access policy on ', {code: vm.source}, ' will no longer decide who may use it.'];
  const ok = await confirmDialog({
    title: 'Delete this virtual model?',
    text: ['Delete ', {code: vm.source}, '? ', ...consequence],
  });
  if (!ok) return false;
  try {
    await api.call('DELETE', 'virtual-models', {source: vm.source}, {ifMatch: etag});
  } catch (e) {
    if (e.status === 401) return false;
    if (e.status === 412) {
      const changed = ['Not deleted: the virtual models changed since this page read them. '];
      if (after) {
        main.prepend(h('p', {class: 'notice error-box', role: 'alert'}, segments([...changed,
          'Go back to Models to see them as they are now, and delete ', {code: vm.source}, ' again if it should still go.'])));
        return false;
      }
      flash([...changed, 'This is the list as it is now: delete ', {code: vm.source}, ' again if it should still go.']);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      return false;
    }
    main.prepend(h('p', {class: 'notice error-box', role: 'alert'}, 'Not deleted: ' + e.message));
    return false;
  }
  if (after) {
    after();
    return true;
  }
  flash(['Deleted ', {code: vm.source}, '.']);
  // The route draws the list again (filter kept) and moves the focus to its heading: the button that had it is gone.
  if (location.hash.startsWith('#/models') && !location.hash.startsWith('#/models/')) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = '#/models';
  return true;
}

