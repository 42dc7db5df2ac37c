// Overview: node state, throughput, latency percentiles, rejects and the node list,
// from /admin/api/stats and /admin/api/nodes every 2 s (in a cluster the list shows the
// members with what they serve; the Nodes page has the partition map). Rates and recent percentiles are differences
// between polls, kept in the page for the charts' five minutes.

import { api } from '../api.js';
import { LineChart, legend, palette } from '../charts.js';
import { isCluster, ranges, servedPartitions } from '../cluster.js';
import { bar, card, fill, fmt, h, kpi, table } from '../dom.js';
import { delta, quantile } from '../latency.js';
import { poll } from '../poll.js';

const POLL_MS = 2000;
const WINDOW_MS = 60_000;        // "recent" percentiles
const HISTORY_MS = 5 * 60_000 + 10_000;

function sampleAt(samples, t) {
  // The newest sample at or before t, else the oldest one.
  let pick = samples[0];
  for (const s of samples) if (s.t <= t) pick = s;
  return pick;
}

function latencyRows(stats, samples) {
  const past = sampleAt(samples, Date.now() - WINDOW_MS);
  const rows = [];
  const kinds = [['Ack', 'ingest request → 200', 'ackLatency'], ['Push', 'event received → WebSocket', 'pushLatency']];
  for (const [name, what, key] of kinds) {
    const now = stats[key];
    const recent = delta(now, past?.stats?.[key]);
    const recentCount = recent.reduce((a, b) => a + b, 0);
    const cells = [0.5, 0.9, 0.99].map((q) => fmt.latency(quantile(now.bounds, recent, q)));
    rows.push(h('tr', {},
      h('td', {}, h('strong', {}, name), h('div', { className: 'muted small' }, what)),
      cells.map((c) => h('td', { className: 'num' }, c)),
      h('td', { className: 'num' }, fmt.int(recentCount)),
      h('td', { className: 'num muted' }, fmt.latency(now.p99))));
  }
  return rows;
}

function rejectBars(rejects) {
  const entries = Object.entries(rejects);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return h('p', { className: 'empty' }, 'No rejected messages since start');
  return h('div', {}, entries.map(([reason, n]) => h('div', { className: 'bar-row' },
    h('span', { className: 'name' }, reason.replace('_', ' ')),
    bar(n / total, 'bar neg'),
    h('span', { className: 'n' }, fmt.int(n)))));
}

function nodeRows(nodes) {
  return nodes.map((n) => h('tr', {},
    h('td', {}, h('strong', {}, n.id)),
    h('td', { className: 'mono' }, n.listen),
    h('td', {}, h('span', { className: `pill ${n.state === 'up' ? 'pill-ok' : 'pill-warn'}` }, n.state)),
    h('td', {}, n.version),
    h('td', { className: 'num' }, fmt.duration(n.uptimeSeconds)),
    h('td', { className: 'num' }, fmt.int(n.liveActors)),
    h('td', { className: 'num' }, fmt.int(n.eventsAccepted))));
}

/** The members of a cluster: no per-node counters there, but what each one serves. */
function memberTable(data) {
  const rows = data.nodes.map((n) => {
    const served = servedPartitions(n);
    return h('tr', {},
      h('td', {}, h('strong', {}, n.id), n.id === data.self ? h('span', { className: 'chip chip-self' }, 'this node') : null),
      h('td', { className: 'mono' }, n.listen),
      h('td', {}, h('span', { className: `pill ${n.state === 'up' ? 'pill-ok' : 'pill-warn'}` }, n.state)),
      h('td', {}, n.sequencer ? h('span', { className: 'badge' }, 'sequencer') : h('span', { className: 'muted' }, '–')),
      h('td', { className: 'mono' }, ranges(served)),
      h('td', { className: 'num' }, fmt.int(n.lag)),
      h('td', { title: n.reportedAt }, fmt.ago(n.reportedAt)));
  });
  return [table(['Node', 'Listen', 'State', 'Role', 'Partitions', { label: 'Lag', num: true }, 'Last report'], rows,
    'No member has reported yet'),
  h('p', { className: 'muted small' }, `${data.serving} of ${data.partitions} partitions served · `,
    h('a', { href: '#/nodes' }, 'partition map'))];
}

export default {
  title: 'Overview',
  mount(root) {
    const samples = [];  // {t, stats}
    const kpis = h('div', { className: 'grid grid-kpi' });
    const rateCanvas = h('canvas', { className: 'chart' });
    const latencyCanvas = h('canvas', { className: 'chart' });
    const latencyTable = h('div');
    const rejects = h('div');
    const nodes = h('div');
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    const rateChart = new LineChart(rateCanvas, { yFormat: (v) => fmt.num(v) });
    const latencyChart = new LineChart(latencyCanvas, { yFormat: (v) => `${fmt.num(v)} ms`, area: false });
    const latencySeries = [
      { name: 'ack p99', color: palette[0] },
      { name: 'push p99', color: palette[1] },
    ];

    root.append(error, kpis,
      h('div', { className: 'grid grid-2' },
        card('Events per second', 'accepted, live', rateCanvas),
        card('Latency p99', 'per poll', latencyCanvas, legend(latencySeries))),
      h('div', { className: 'grid grid-2' },
        card('Latency percentiles', 'last 60 s · p99 since start', latencyTable),
        card('Rejects by reason', 'since start', rejects)),
      card('Nodes', null, nodes));

    const render = (stats, nodeList) => {
      const prev = samples[samples.length - 1];
      const t = Date.now();
      samples.push({ t, stats });
      while (samples.length > 2 && samples[0].t < t - HISTORY_MS) samples.shift();
      const rate = prev ? ((stats.events.accepted - prev.stats.events.accepted) * 1000) / (t - prev.t) : 0;
      if (prev) samples[samples.length - 1].rate = Math.max(0, rate);  // the first poll has no rate

      const rejected = Object.values(stats.rejects).reduce((a, b) => a + b, 0);
      fill(kpis,
        kpi('Node', h('span', { className: 'pill pill-ok' }, stats.node.state),
          `${stats.node.id} · v${stats.node.version} · model v${stats.model.version}`),
        kpi('Uptime', fmt.duration(stats.node.uptimeSeconds), `since ${fmt.time(stats.node.startedAt)}`),
        kpi('Live actors', fmt.int(stats.actors.live),
          `${fmt.int(stats.actors.spawned)} spawned · ${fmt.int(stats.actors.passivated ?? 0)} passivated`, 'live'),
        kpi('Events / s', rate.toFixed(1), `${fmt.int(stats.events.requests)} ingest requests`, 'rate'),
        kpi('Accepted', fmt.int(stats.events.accepted), `${fmt.int(stats.events.dedupHits)} dedup hits`, 'accepted'),
        kpi('Rejected', fmt.int(rejected), `${fmt.int(stats.deadLetters)} dead letters stored`),
        kpi('Stream clients', fmt.int(stats.stream.subscribers), `${fmt.int(stats.stream.delivered)} changes pushed`));

      fill(latencyTable, table(
        ['', { label: 'p50', num: true }, { label: 'p90', num: true }, { label: 'p99', num: true },
          { label: 'count', num: true }, { label: 'p99 all', num: true }],
        latencyRows(stats, samples)));
      fill(rejects, rejectBars(stats.rejects));
      fill(nodes, isCluster(nodeList) ? memberTable(nodeList) : table(['Node', 'Listen', 'State', 'Version',
        { label: 'Uptime', num: true }, { label: 'Actors', num: true }, { label: 'Events', num: true }],
      nodeRows(nodeList.nodes)));

      rateChart.setSeries([{ name: 'events/s', color: palette[0], points: samples.filter((s) => s.rate !== undefined).map((s) => [s.t, s.rate]) }]);
      // Polls without observations leave a gap rather than a false zero.
      const p99 = (key) => samples.slice(1).map((s, i) => {
        const d = delta(s.stats[key], samples[i].stats[key]);
        return [s.t, quantile(s.stats[key].bounds, d, 0.99) * 1000];
      }).filter(([, v]) => Number.isFinite(v));
      latencyChart.setSeries([
        { ...latencySeries[0], points: p99('ackLatency') },
        { ...latencySeries[1], points: p99('pushLatency') },
      ]);
    };

    const stop = poll(async () => {
      const [stats, nodeList] = await Promise.all([api('/admin/api/stats'), api('/admin/api/nodes')]);
      render(stats, nodeList);
    }, POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load stats: ${e.message}`;
    });

    return () => {
      stop();
      rateChart.dispose();
      latencyChart.dispose();
    };
  },
};
