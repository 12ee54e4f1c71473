// Experiments: per arm the numbers of GET /admin/experiments, charts of latency percentiles, first byte, tokens
// and error rate over time (each arm's series, kept by the gateway in at most 60 intervals over the experiment's
// life), the sample-ratio check and the comparison verdicts. Refreshes itself every few seconds while shown.
import * as api from './api.js';
import {h, code, replace, fmtNumber, fmtPercent, fmtP, pIs, fmtTime, confirmDialog} from './dom.js';
import {lineChart, COLORS} from './charts.js';

const REFRESH_MILLIS = 5000;
const METRICS = {
  latency_ms: 'Latency (ms)',
  first_byte_ms: 'First byte (ms)',
  input_tokens: 'Input tokens',
  output_tokens: 'Output tokens',
  cached_tokens: 'Cached tokens',
  reasoning_tokens: 'Reasoning tokens',
  error_rate: 'Error rate',
  feedback: 'Feedback score',
};
const VERDICTS = {higher: 'higher', lower: 'lower', no_difference: 'no difference', not_enough_data: 'not enough data'};

export async function render(main, selected) {
  const list = await api.get('experiments');
  if (!list.length) {
    replace(main, h('h1', {}, 'Experiments'),
        h('p', {class: 'notice info', id: 'no-experiments'}, 'No experiment now. A redirect with two or more targets is one, and so is a redirect whose target changed within ',
            code('experiments.window'), ' while traffic was flowing.'));
    return null;
  }
  const current = selected && list.some((e) => e.source === selected) ? selected : list[0].source;
  const auto = h('input', {type: 'checkbox', id: 'exp-auto', checked: true});
  const body = h('div', {id: 'exp-body'});
  const stamp = h('span', {class: 'muted small', id: 'exp-updated', 'aria-live': 'off'});
  // Each experiment's mark in the list, by source: a refresh sets them as it draws the numbers.
  const marks = new Map();
  const items = h('ul', {class: 'exp-list'});
  // The list as the gateway has it now: a refresh that finds experiments begun or ended draws it again.
  const drawList = (experiments) => {
    // A keyboard user's place in the list: the link they were on, if it is still there.
    const on = items.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    marks.clear();
    for (const e of experiments) marks.set(e.source, h('span', {class: 'mark'}, mark(e)));
    replace(items, experiments.map((e) => h('li', {},
        h('a', {href: '#/experiments/' + encodeURIComponent(e.source), 'aria-current': e.source === current ? 'true' : undefined},
            e.source, marks.get(e.source)))));
    const again = on && [...items.querySelectorAll('a')].find((a) => a.getAttribute('href') === on);
    if (again) again.focus({preventScroll: true});
  };
  drawList(list);
  replace(main,
      h('h1', {}, 'Experiments'),
      h('p', {class: 'muted'}, 'Numbers of this node since each experiment\'s targets, weights or strategy last changed (or a reset). Every arm is compared with the first target, the baseline.'),
      h('nav', {'aria-label': 'Experiments'}, items),
      h('div', {class: 'toolbar'},
          h('label', {class: 'inline', for: 'exp-auto'}, auto, 'Refresh every 5 s'), stamp),
      body);
  const focusable = () => [...body.querySelectorAll('a, button, summary, input, [tabindex]')];
  const draw = (e) => {
    // Keep the operator's place: re-render the body only, keep what was open and where the focus was (a keyboard
    // user's focus would otherwise fall back to the top of the page at every refresh).
    const open = [...body.querySelectorAll('details[open]')].map((d) => d.parentElement && d.parentElement.id);
    // By its id where it has one (a refresh may add or remove controls above it), else by its place.
    const active = document.activeElement;
    const focusedId = body.contains(active) && active.id ? active.id : null;
    const focused = focusedId ? -1 : focusable().indexOf(active);
    replace(body, detail(e, main));
    for (const id of open) {
      const d = id && document.querySelector(`#${CSS.escape(id)} details`);
      if (d) d.open = true;
    }
    const again = focusedId ? document.getElementById(focusedId) : focused >= 0 ? focusable()[focused] : null;
    if (again && again !== document.activeElement) again.focus({preventScroll: true});
    stamp.textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB');
  };
  draw(list.find((e) => e.source === current));
  let asking = false;
  const timer = setInterval(async () => {
    // One question at a time: a slow answer must not land after a newer one and draw the page back.
    if (!auto.checked || asking) return;
    let now;
    asking = true;
    try {
      // The whole list: the marks in it follow the same refresh as the numbers.
      now = await api.get('experiments', {poll: true});
    } catch (e) {
      return; // the page stays as it was (a 401 is on its way to the sign-in page)
    } finally {
      asking = false;
    }
    if (!auto.checked) return;
    const sources = now.map((x) => x.source).join('\n');
    if (sources !== [...marks.keys()].join('\n')) drawList(now);
    for (const e of now) {
      marks.get(e.source).textContent = mark(e);
    }
    const e = now.find((x) => x.source === current);
    if (e) {
      draw(e);
      return;
    }
    if (!body.querySelector('#exp-ended')) {
      // Deleted, down to one target, or its before/after window over (here or on another node): said, not frozen.
      replace(body, h('p', {class: 'notice info', id: 'exp-ended'}, 'The experiment on ', code(current),
          ' has ended: the redirect is gone, has one target now, or its before/after window is over. Its numbers are gone with it.'));
    }
    stamp.textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB');
  }, REFRESH_MILLIS);
  return () => clearInterval(timer);
}

/** The list's mark of an experiment: a warning sign while it has warnings. */
function mark(e) {
  return e.warnings.length ? ' ⚠' : '';
}

function detail(e, main) {
  const arms = e.arms;
  const srm = e.sample_ratio;
  return h('section', {'aria-labelledby': 'exp-title'},
      h('h2', {id: 'exp-title'}, code(e.source), ' ', h('span', {class: 'badge'}, e.kind === 'split' ? 'split' : 'before / after')),
      h('p', {class: 'muted small'}, 'strategy ', e.strategy, ' · since ', fmtTime(e.since),
          e.changed_at ? [' · target changed ', fmtTime(e.changed_at)] : null, ' ',
          h('button', {type: 'button', class: 'link', id: 'exp-reset', onclick: () => reset(e, main)}, 'Start the numbers over')),
      e.warnings.length ? h('ul', {class: 'notice', id: 'exp-warnings'}, e.warnings.map((w) => h('li', {}, w))) : null,
      srm ? h('p', {class: srm.mismatch ? 'notice error-box' : 'notice info', id: 'exp-srm'},
          h('strong', {}, srm.mismatch ? 'Sample ratio mismatch. ' : 'Sample ratio as configured. '),
          'Expected shares ', srm.expected.map(fmtPercent).join(' / '),
          srm.unit === 'callers' ? ' of callers (sticky: each caller stays on one arm)' : '', ', observed ',
          srm.observed.map((o) => (o === null ? '–' : fmtPercent(o))).join(' / '), ' (chi-square ', pIs(srm.p_value), ')',
          srm.mismatch ? ': the split is not what the weights say, so the comparisons may be biased.' : '.') : null,
      h('h3', {}, 'Arms'),
      armsTable(e),
      h('h3', {}, 'Over time'),
      h('div', {class: 'charts'}, charts(arms)),
      h('h3', {}, 'Compared with the baseline ', code(arms[0].target)),
      comparisons(e));
}

function armsTable(e) {
  const arms = e.arms;
  const row = (label, f, cls) => h('tr', {}, h('th', {scope: 'row'}, label), arms.map((a) => h('td', {class: cls || 'num'}, f(a))));
  const dist = (d) => (d && d.n ? `${fmtNumber(d.p50)} / ${fmtNumber(d.p90)} / ${fmtNumber(d.p99)}` : '–');
  const tok = (a, k) => (a.tokens[k] && a.tokens[k].n ? fmtNumber(a.tokens[k].mean) : '–');
  return h('div', {class: 'table-wrap'}, h('table', {id: 'exp-arms'},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Arm'), arms.map((a, i) => h('th', {scope: 'col', class: 'num'},
          h('span', {class: 'swatch c' + (i % COLORS.length), 'aria-hidden': 'true'}), a.target, a.baseline ? ' (baseline)' : '')))),
      h('tbody', {},
          e.kind === 'split' ? row('Weight (expected share)', (a) => `${a.weight} (${fmtPercent(a.expected_share)})`) : null,
          row('Requests (share)', (a) => `${a.requests} (${a.share === null ? '–' : fmtPercent(a.share)})`),
          row('Error rate', (a) => (a.error_rate === null ? '–' : fmtPercent(a.error_rate, 2))),
          row('Errors', (a) => Object.entries(a.errors).filter(([, n]) => n).map(([k, n]) => `${k.replace(/_/g, ' ')} ${n}`).join(', ') || 'none'),
          // A request the arm's target failed and another candidate took counts here with that one's answer.
          row('Failed over (taken by another candidate)', (a) => String(a.failed_over)),
          row('Latency p50 / p90 / p99 (ms)', (a) => dist(a.latency_ms)),
          row('Latency mean (ms)', (a) => fmtNumber(a.latency_ms.mean)),
          row('First byte p50 / p90 / p99 (ms)', (a) => dist(a.first_byte_ms)),
          row('Tokens in / out (mean)', (a) => `${tok(a, 'input')} / ${tok(a, 'output')}`),
          row('Tokens cached / reasoning (mean)', (a) => `${tok(a, 'cached')} / ${tok(a, 'reasoning')}`),
          row('Unknown usage', (a) => String(a.unknown_usage)),
          row('Finish reasons', (a) => Object.entries(a.finish_reasons).map(([k, n]) => `${k} ${n}`).join(', ') || '–'),
          row('Distinct callers', (a) => (a.distinct_callers === null ? 'unknown' : String(a.distinct_callers))
            + (a.anonymous_requests ? ` (and ${a.anonymous_requests} requests without an identity)` : '')),
          row('Feedback (count, mean)', (a) => (a.feedback.count ? `${a.feedback.count}, ${fmtNumber(a.feedback.mean, 2)}` : '–')))));
}

function charts(arms) {
  const series = (a, i, pick, label, dash) => ({
    label,
    color: COLORS[i % COLORS.length],
    dash,
    intervalMillis: a.series.interval_seconds * 1000,
    points: a.series.points.map((p) => [Date.parse(p.start) + (a.series.interval_seconds * 500), pick(p)]),
  });
  const percentiles = (key) => arms.flatMap((a, i) => [
    series(a, i, (p) => p[key].p50, `${a.target} p50`),
    series(a, i, (p) => p[key].p90, `${a.target} p90`, '6 3'),
    series(a, i, (p) => p[key].p99, `${a.target} p99`, '2 3'),
  ]);
  return [
    lineChart({id: 'chart-latency', title: 'Latency (ms): p50, p90, p99', lines: percentiles('latency_ms')}),
    lineChart({id: 'chart-first-byte', title: 'First byte (ms): p50, p90, p99', lines: percentiles('first_byte_ms')}),
    lineChart({id: 'chart-tokens', title: 'Tokens per request: input, output', lines: arms.flatMap((a, i) => [
      series(a, i, (p) => p.input_tokens, `${a.target} input`, '6 3'),
      series(a, i, (p) => p.output_tokens, `${a.target} output`),
    ])}),
    lineChart({id: 'chart-errors', title: 'Error rate', format: (v) => fmtPercent(v),
      lines: arms.map((a, i) => series(a, i, (p) => p.error_rate, a.target))}),
  ];
}

function comparisons(e) {
  if (!e.comparisons.length) return h('p', {class: 'muted'}, 'Only one arm: nothing to compare yet.');
  const rate = (metric) => metric === 'error_rate' || metric === 'feedback';
  const value = (metric, v) => (v === null ? '–' : rate(metric) ? fmtPercent(v, 2) : fmtNumber(v, 2));
  // A difference of two rates is in percentage points, as the command line writes it (not "%", a relative change).
  const change = (metric, v) => (v === null ? '–' : rate(metric)
    ? (v > 0 ? '+' : '') + Number((v * 100).toFixed(2)).toString() + ' pp' : fmtNumber(v, 2));
  return h('div', {class: 'table-wrap'}, h('table', {id: 'exp-comparisons'},
      h('thead', {}, h('tr', {}, ['Arm', 'Metric', 'Baseline', 'Arm value', 'Difference (95% CI)', 'p', 'Verdict']
          .map((c, i) => h('th', {scope: 'col', class: i >= 2 && i <= 5 ? 'num' : undefined}, c)))),
      h('tbody', {}, e.comparisons.map((c) => h('tr', {'data-metric': c.metric, 'data-target': c.target},
          h('td', {}, code(c.target)),
          h('td', {}, METRICS[c.metric] || c.metric, h('span', {class: 'muted small'}, ' ', c.test === 'welch_t' ? "Welch's t" : 'two-proportion z')),
          h('td', {class: 'num'}, value(c.metric, c.baseline)),
          h('td', {class: 'num'}, value(c.metric, c.candidate)),
          h('td', {class: 'num'}, c.difference === null ? '–'
            : `${change(c.metric, c.difference)} (${change(c.metric, c.ci_low)} to ${change(c.metric, c.ci_high)})`),
          h('td', {class: 'num'}, fmtP(c.p_value)),
          h('td', {}, h('span', {class: 'badge ' + c.verdict}, VERDICTS[c.verdict] || c.verdict)))))));
}

async function reset(e, main) {
  const ok = await confirmDialog({title: 'Start the numbers over?', ok: 'Start over',
    text: ['Every arm of ', {code: e.source}, ' starts again from zero on this node (a before/after also drops its before arm, which ends the comparison).']});
  if (!ok) return;
  try {
    // In the query: any source, one with a '%' or '\' included (a container refuses them encoded in a path).
    await api.call('POST', 'experiments/reset?source=' + encodeURIComponent(e.source));
  } catch (err) {
    if (err.status !== 401) main.prepend(h('p', {class: 'notice error-box', role: 'alert'}, 'Not reset: ' + err.message));
    return;
  }
  // The route renders the page again (and stops this page's refresh timer first).
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

