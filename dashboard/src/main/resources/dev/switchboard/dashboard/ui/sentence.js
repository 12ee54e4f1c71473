// "What saving will do", in one sentence, from what the form holds now. Pure: no DOM, no requests.
// Returns segments: strings, {code: name} for names, {warn: text} for what deserves attention.
import {list} from './dom.js';
import {shadowed} from './data.js';

/**
 * @param f the form: {source, oldSource, isNew, targets: [{model, weight}], strategy, fallbacks: [model],
 *   userPaths: [path], enabled}
 * @param ctx {catalog: [{id}], providers: [{name}], virtualModels: [row]}
 */
export function describe(f, ctx) {
  const source = (f.source || '').trim();
  if (!source) return ['Type a source to see what saving will do.'];
  const out = [];
  const targets = f.targets.filter((t) => t.model.trim());
  const paths = f.userPaths;
  const existing = ctx.virtualModels.find((v) => v.source === source);
  const old = (f.oldSource || '').trim();
  if (existing && existing.managed) {
    return [{warn: 'Saving is refused: '}, {code: source}, ' is defined in the config file and can only be changed there.'];
  }
  if (!f.isNew && old && old !== source) {
    out.push('Renames ', {code: old}, ' to ', {code: source}, '. ');
  } else if (f.isNew && existing) {
    out.push({warn: 'Replaces'}, ' the existing virtual model ', {code: source}, '. ');
  }
  if (targets.length) redirect(out, source, targets, f, paths, ctx);
  else policy(out, source, f, paths, ctx);
  return out.flat();
}

function redirect(out, source, targets, f, paths, ctx) {
  if (!f.enabled) {
    out.push({code: source}, ' is disabled: it redirects nothing, and requests for ', {code: source}, ' go on unchanged.');
    return;
  }
  const weights = targets.map((t) => weight(t.weight));
  if (targets.length === 1) {
    out.push({code: source}, ' will send every request to ', {code: targets[0].model.trim()});
  } else if (f.strategy === 'failover') {
    // Failover tries the targets in order and ignores their weights (SPEC 11): no share to state.
    out.push({code: source}, ' will send every request to ', {code: targets[0].model.trim()}, ' first, and to ',
        ...list(targets.slice(1).map((t) => t.model.trim()), 'then'), ' only when the one before fails (failover: in'
        + ' this order, weights unused)');
    if (weights.some((w) => w === null)) out.push(' ', {warn: '(every weight must be a whole number of at least 1)'});
  } else if (weights.some((w) => w === null)) {
    out.push({code: source}, ' will split requests between ', ...list(targets.map((t) => t.model.trim())), ' ',
        {warn: '(every weight must be a whole number of at least 1)'});
  } else {
    const total = weights.reduce((a, b) => a + b, 0);
    out.push({code: source}, ' will send ');
    targets.forEach((t, i) => {
      if (i > 0) out.push(i === targets.length - 1 ? ' and ' : ', ');
      out.push(percent(weights[i], total) + ' to ', {code: t.model.trim()});
    });
    out.push(f.strategy === 'round_robin' ? ' in turn, request by request'
      : ' (sticky: each caller always gets the same one)');
  }
  out.push(paths.length ? [' for callers under ', ...list(paths, 'or'), '; everyone else\'s ', {code: source}, ' goes on unchanged.'] : '.');
  const fallbacks = (f.fallbacks || []).filter((m) => m.trim());
  if (fallbacks.length) out.push(' When that fails, it falls back to ', ...list(fallbacks.map((m) => m.trim()), 'then'), '.');
  // A pick the caller may not use gives way to the next candidate it may (SPEC 11): say which targets some or all
  // callers may not use, by the policy that decides each.
  const others = targets.length > 1 || fallbacks.length > 0;
  // Paths as the gateway compares them: segment-wise ancestor-or-self, '/' covering everyone.
  const inside = (path, of) => of === '/' || path === of || path.startsWith(of.endsWith('/') ? of : of + '/');
  targets.forEach((t) => {
    const p = policyFor(t.model.trim(), ctx);
    if (!p || (p.enabled && !p.user_paths.length)) return;
    // Every caller the redirect applies to may use it: nothing to say.
    if (p.enabled && paths.length && paths.every((mine) => p.user_paths.some((theirs) => inside(mine, theirs)))) return;
    const next = others ? 'go to the next target or fallback the caller may use' : 'are refused (403)';
    out.push(' ', {code: t.model.trim()}, p.enabled ? [' is only for callers under ', ...list(p.user_paths, 'or'),
      {warn: `: other callers' requests for it ${next}`}] : [' is disabled by an access policy',
      {warn: `: requests for it ${next}`}], '.');
  });
  const real = shadowed(source, ctx.catalog);
  if (real) out.push(' ', {warn: 'It shadows the real model '}, {code: real}, {warn: ':'}, ' callers asking for it get the target instead.');
}

function policy(out, source, f, paths, ctx) {
  const what = selector(source, ctx);
  if (!f.enabled) {
    out.push('This access policy disables ', ...what, ' for everyone: a request naming it is refused (403), and a'
      + ' redirect that targets it sends its requests to its next target or fallback.');
    return;
  }
  if (paths.length) {
    out.push('Only callers under ', ...list(paths, 'or'), ' may use ', ...what, '; everyone else is refused (403).');
  } else {
    out.push('This access policy lets every caller use ', ...what, ' (no user paths: everyone is admitted).');
  }
}

/**
 * @returns the access policy that decides a concrete model, the most specific one (SPEC section 2, step 4:
 *   provider/model, provider/, bare model, /), or null when none matches; the provider is the model's prefix when it
 *   names one, else the one whose catalog lists the bare id
 */
function policyFor(model, ctx) {
  const policies = ctx.virtualModels.filter((v) => v.kind === 'policy');
  const names = ctx.providers.map((p) => p.name);
  const slash = model.indexOf('/');
  let provider = slash > 0 && names.includes(model.slice(0, slash)) ? model.slice(0, slash) : null;
  const bare = provider ? model.slice(slash + 1) : model;
  if (!provider) {
    const listed = ctx.catalog.find((m) => m.id.slice(m.id.indexOf('/') + 1) === model);
    provider = listed ? listed.id.slice(0, listed.id.indexOf('/')) : null;
  }
  const find = (source) => policies.find((v) => v.source.toLowerCase() === source.toLowerCase());
  // The policy naming a model itself: provider/model, else the bare model where no provider/ policy outranks it.
  const named = (m) => (provider && find(provider + '/' + m)) || (provider && find(provider + '/') ? null : find(m));
  const order = provider ? [provider + '/' + bare, provider + '/', bare, '/'] : [bare, '/'];
  let decides = null;
  for (const source of order) {
    // Matched ignoring case, as the gateway matches policies (two differing only in case are refused).
    decides = find(source);
    if (decides) break;
  }
  // A variant (`gpt-5:nitro`, `gpt-5@preset/x`) is closed by a policy naming one of its bases that closes it (to
  // everyone, or to callers outside its paths), as on the server, unless a policy names the variant itself; one that
  // admits everyone admits nothing: every base is looked at.
  if ((!decides || decides.enabled) && !named(bare)) {
    for (let cut = variantCut(bare); cut > 0; cut = variantCut(bare.slice(0, cut))) {
      const base = named(bare.slice(0, cut));
      if (base && (!base.enabled || base.user_paths.length)) return base;
    }
  }
  return decides;
}

/** @returns where a name's last variant suffix (`:x` or `@x`) begins, or -1 without one */
function variantCut(model) {
  return Math.max(model.lastIndexOf(':'), model.lastIndexOf('@'));
}

/** What an access policy's source selects (SPEC section 2, step 4). */
function selector(source, ctx) {
  if (source === '/') return ['every model of every provider'];
  const slash = source.indexOf('/');
  const providers = ctx.providers.map((p) => p.name);
  if (slash === source.length - 1) return ['every model of the provider ', {code: source.slice(0, -1)}];
  if (slash > 0 && providers.includes(source.slice(0, slash))) return [{code: source}];
  return [{code: source}, ' on any provider'];
}

/** @returns the weight as a number, 1 when blank, null when it is not a whole number >= 1 */
export function weight(raw) {
  const text = String(raw === undefined || raw === null ? '' : raw).trim();
  if (!text) return 1;
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}

function percent(w, total) {
  return Number(((w * 100) / total).toFixed(1)) + '%';
}
