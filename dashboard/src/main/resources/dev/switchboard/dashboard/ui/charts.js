// Hand-written SVG line charts: time on x, one value on y, several lines (arms by colour, percentiles by dash).
// Each chart also carries its numbers as a table (in a <details>), for screen readers and for copying.
import {h, s, fmtNumber} from './dom.js';

export const COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
const W = 600;
const H = 220;
const M = {left: 52, right: 14, top: 12, bottom: 30};

/**
 * @param id element id of the figure
 * @param title caption
 * @param lines [{label, color, dash, points: [[timeMillis, value]], intervalMillis}]
 * @param format value -> text (axis labels and tooltips)
 */
export function lineChart({id, title, lines, format = (v) => fmtNumber(v)}) {
  const all = lines.flatMap((l) => l.points.filter((p) => p[1] !== null && p[1] !== undefined));
  const titleId = id + '-title';
  const figure = h('figure', {class: 'chart', id});
  figure.append(h('figcaption', {id: titleId}, title));
  if (!all.length) {
    figure.append(h('p', {class: 'muted small'}, 'No data yet.'));
    return figure;
  }
  let t0 = Math.min(...all.map((p) => p[0]));
  let t1 = Math.max(...all.map((p) => p[0] + 0));
  if (t1 === t0) {
    t0 -= 30000;
    t1 += 30000;
  }
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (t) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const y = (v) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId});
  // Grid and y axis
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.append(s('line', {x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), stroke: i ? '#e4e8ec' : '#9aa4ae', 'stroke-width': 1}));
    svg.append(s('text', {x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end'}, format(v)));
  }
  // x axis: 5 time labels
  const span = t1 - t0;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (span * i) / 4;
    const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
    svg.append(s('text', {x: x(t), y: H - 8, 'text-anchor': anchor}, timeLabel(t, span)));
  }
  for (const l of lines) {
    const pts = l.points.filter((p) => p[1] !== null && p[1] !== undefined);
    // A gap of more than one and a half intervals without exchanges breaks the line: nothing happened there.
    let d = '';
    let prev = null;
    for (const p of pts) {
      const jump = prev === null || p[0] - prev > (l.intervalMillis || 1000) * 1.5;
      d += `${jump ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)} `;
      prev = p[0];
    }
    if (d) {
      svg.append(s('path', {d: d.trim(), fill: 'none', stroke: l.color, 'stroke-width': 2,
        'stroke-dasharray': l.dash || undefined, 'stroke-linejoin': 'round', class: 'series'}));
    }
    for (const p of pts) {
      svg.append(s('circle', {cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.4, fill: l.color},
          s('title', {}, `${l.label}: ${format(p[1])} at ${new Date(p[0]).toLocaleTimeString('en-GB')}`)));
    }
  }
  figure.append(svg);
  figure.append(h('ul', {class: 'legend'}, lines.map((l) => h('li', {},
      s('svg', {viewBox: '0 0 26 10', 'aria-hidden': 'true'},
          s('line', {x1: 1, x2: 25, y1: 5, y2: 5, stroke: l.color, 'stroke-width': 2.5, 'stroke-dasharray': l.dash || undefined})),
      l.label))));
  figure.append(dataTable(lines, format));
  return figure;
}

function dataTable(lines, format) {
  const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const byLine = lines.map((l) => new Map(l.points.map((p) => [p[0], p[1]])));
  return h('details', {},
      h('summary', {}, 'Numbers'),
      h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Time'), lines.map((l) => h('th', {scope: 'col', class: 'num'}, l.label)))),
          h('tbody', {}, times.map((t, i) => h('tr', {},
              h('th', {scope: 'row'}, new Date(t).toLocaleTimeString('en-GB')),
              byLine.map((m) => h('td', {class: 'num'}, m.has(t) && m.get(t) !== null ? format(m.get(t)) : '–'))))))));
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above v (a clean top for the y axis). */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

function timeLabel(t, span) {
  const d = new Date(t);
  if (span > 2 * 86400000) return d.toLocaleDateString('en-GB', {day: 'numeric', month: 'short'}) + ' ' + d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'});
  if (span > 3 * 3600000) return d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'});
  return d.toLocaleTimeString('en-GB');
}
