// What several pages read: the provider catalog (GET /admin/models) and the virtual models
// (GET /admin/virtual-models), joined into one list of rows.
import * as api from './api.js';
import {h, fmtTime} from './dom.js';

/**
 * @returns {catalog: [{id, owned_by}], providers: [{name, type, configured, models, error}],
 *   virtualModels: [row], etag, reloadError: the status's last_reload_error or null, files: its files}
 */
export async function load(options) {
  const [catalog, listing, status] = await Promise.all([
    api.get('models', options),
    api.call('GET', 'virtual-models', undefined, options),
    api.get('status', options),
  ]);
  const virtualModels = listing.data;
  return {
    catalog: catalog.data,
    providers: catalog.providers,
    virtualModels,
    etag: listing.etag,
    reloadError: status.last_reload_error || null,
    files: status.files || [],
  };
}

/** Every name a caller could ask for: provider models and virtual-model sources, sorted, without duplicates. */
export function names(d) {
  const set = new Set(d.catalog.map((m) => m.id));
  d.virtualModels.filter((v) => v.kind === 'redirect').forEach((v) => set.add(v.source));
  return [...set].sort();
}

/** A <datalist> of the given names (for model inputs: pick from the catalog, or type any name). */
export function datalist(id, values) {
  const dl = document.createElement('datalist');
  dl.id = id;
  for (const v of values) {
    const o = document.createElement('option');
    o.value = v;
    dl.append(o);
  }
  return dl;
}

/** The real model a source would shadow, if any: an exact provider model id, or a bare id a provider lists. */
export function shadowed(source, catalog) {
  if (!source) return null;
  const exact = catalog.find((m) => m.id === source);
  if (exact) return exact.id;
  const bare = catalog.find((m) => m.id.slice(m.id.indexOf('/') + 1) === source);
  return bare ? bare.id : null;
}

/** While the files on disk are invalid, the rows shown are the last good ones: a notice says so, or null. */
export function reloadNotice(d) {
  if (!d.reloadError) return null;
  return h('p', {class: 'notice error-box', id: 'reload-error-note'}, 'A newer configuration could not be loaded since ',
      fmtTime(d.reloadError.at), ' (an invalid file, or an admin store that cannot be read): the gateway serves, and this ',
      'page shows, its last good configuration until it can (the errors are on ', h('a', {href: '#/status'}, 'Status'), ').');
}
