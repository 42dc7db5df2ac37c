// Segments: how many live actors each segment and tag holds, and segment sizes over
// time (the node keeps the last hour of samples taken when a console asks).

import { api } from '../api.js';
import { LineChart, legend, palette } from '../charts.js';
import { bar, card, fill, fmt, h, kpi, nameBadge, registerSegments, segmentColor, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 5000;

function segmentRows(data, color) {
  const total = data.sampled || 1;
  return data.segments.map((s) => {
    const dot = h('i', { className: 'dot' });
    dot.style.background = color(s.name);
    return h('tr', {},
      h('td', {}, dot, nameBadge(s.name, palette)),
      h('td', { className: 'num' }, fmt.int(s.count)),
      h('td', {}, h('div', { className: 'share' }, bar(s.count / total, 'bar', color(s.name)),
        h('span', {}, fmt.pct(s.count / total)))),
      h('td', { className: 'num' }, s.count ? fmt.score(s.avgScore) : '–'));
  });
}

function tagBars(data) {
  if (data.tags.length === 0) return h('p', { className: 'empty' }, 'No tag rules are configured');
  const total = data.sampled || 1;
  return h('div', {}, data.tags.map((t) => h('div', { className: 'bar-row' },
    h('span', { className: 'name', title: t.name }, t.name),
    bar(t.count / total),
    h('span', { className: 'n' }, `${fmt.int(t.count)} · ${fmt.pct(t.count / total)}`))));
}

export default {
  title: 'Segments',
  mount(root) {
    const kpis = h('div', { className: 'grid grid-kpi' });
    const canvas = h('canvas', { className: 'chart' });
    const legendSlot = h('div');
    const segTable = h('div');
    const tags = h('div');
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    const chart = new LineChart(canvas, { yFormat: (v) => fmt.int(v), area: false, spanMs: 60 * 60_000, integer: true });
    root.append(error, kpis,
      card('Segment sizes over time', 'sampled when a console is open', canvas, legendSlot),
      h('div', { className: 'grid grid-2' },
        card('Segments', 'in rule order', segTable),
        card('Tags', 'share of actors carrying each tag', tags)));

    const render = (data) => {
      const names = data.segments.map((s) => s.name);
      registerSegments(names);
      const color = (name) => segmentColor(name, palette);
      const nonEmpty = data.segments.filter((s) => s.count > 0).length;
      fill(kpis,
        kpi('Live actors', fmt.int(data.live), data.exact ? 'all counted' : `sample of ${fmt.int(data.sampled)}`),
        kpi('Segments in use', `${nonEmpty} / ${names.length}`, 'with at least one actor'),
        kpi('Largest segment', data.segments.reduce((a, s) => (s.count > (a?.count ?? -1) ? s : a), null)?.name ?? '–',
          'by live actors'),
        kpi('Tags in use', `${data.tags.filter((t) => t.count > 0).length} / ${data.tags.length}`,
          'carried by at least one actor'));
      fill(segTable, table(['Segment', { label: 'Actors', num: true }, 'Share', { label: 'Avg score', num: true }],
        segmentRows(data, color), 'No live actors yet'));
      fill(tags, tagBars(data));
      const series = names.map((name) => ({
        name,
        color: color(name),
        points: data.history.map((p) => [p.atMs, p.counts[name] ?? 0]),
      }));
      chart.setSeries(series);
      fill(legendSlot, legend(series));
    };

    const stop = poll(async () => render(await api('/admin/api/segments')), POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load segments: ${e.message}`;
    });
    return () => {
      stop();
      chart.dispose();
    };
  },
};
