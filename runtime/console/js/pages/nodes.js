// Nodes: who serves which users. In a cluster, the members as this node hears them on the
// members topic (addresses, sequencer, partitions served, lag, age of the last report)
// and a map of the partitions: each one's owner, state, epoch and lag, and the ones
// without a serving owner ("moving"). A single node shows its own line. /admin/api/nodes
// every 2 s.

import { api } from '../api.js';
import { isCluster, nodeColor, partitionMap, ranges, selfNode, servedPartitions } from '../cluster.js';
import { card, fill, fmt, h, kpi, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 2000;
const STATES = ['serving', 'claiming', 'restoring', 'revoking'];

function nodeDot(data, id) {
  const dot = h('i', { className: 'dot' });
  dot.style.background = nodeColor(data, id);
  return dot;
}

/** "4 serving · 1 claiming": the states of a member's partitions. */
function stateSummary(node) {
  const counts = new Map();
  for (const p of node.partitions) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  if (counts.size === 0) return h('span', { className: 'muted' }, 'no partitions');
  return [...counts].sort((a, b) => STATES.indexOf(a[0]) - STATES.indexOf(b[0])).map(([state, n]) =>
    h('span', { className: `pstate pstate-${state}` }, `${n} ${state}`));
}

function memberRow(data, n) {
  const served = servedPartitions(n);
  const maxEpoch = n.partitions.reduce((m, p) => Math.max(m, p.epoch), 0);
  return h('tr', { dataset: { node: n.id } },
    h('td', {}, nodeDot(data, n.id), h('strong', {}, n.id),
      n.id === data.self ? h('span', { className: 'chip chip-self' }, 'this node') : null),
    h('td', {}, h('a', { className: 'mono', href: `http://${n.listen}/console/#/nodes`, target: '_blank', rel: 'noopener',
      title: `the console of ${n.id}` }, n.listen)),
    h('td', { className: 'mono' }, n.cluster),
    h('td', {}, n.sequencer ? h('span', { className: 'badge', title: 'writes the identity log' }, 'sequencer')
      : h('span', { className: 'muted' }, '–')),
    h('td', { className: 'num', dataset: { served: String(served.length) } }, fmt.int(served.length),
      h('div', { className: 'muted small mono' }, ranges(served))),
    h('td', {}, stateSummary(n)),
    h('td', { className: 'num' }, fmt.int(n.lag)),
    h('td', { className: 'num' }, maxEpoch ? fmt.int(maxEpoch) : '–'),
    h('td', { title: n.reportedAt }, fmt.ago(n.reportedAt)));
}

function partitionCell(data, c) {
  const who = c.node
    ? h('div', { className: 'pcell-node' }, nodeDot(data, c.node), h('span', { className: 'mono' }, c.node))
    : h('div', { className: 'pcell-node muted' }, 'no owner');
  return h('div', {
    className: `pcell pcell-state-${c.state}${c.moving ? ' pcell-moving' : ''}`,
    dataset: { partition: String(c.partition), owner: c.owner ?? '', state: c.state },
    title: c.moving
      ? `partition ${c.partition} is moving: no node serves it${c.node ? ` (${c.node} is ${c.state})` : ''}`
      : `partition ${c.partition} is served by ${c.owner}`,
  },
  h('div', { className: 'pcell-head' }, h('span', { className: 'pcell-id' }, `#${c.partition}`),
    c.moving ? h('span', { className: 'pstate pstate-moving' }, 'moving') : null,
    c.state !== 'unassigned' ? h('span', { className: `pstate pstate-${c.state}` }, c.state) : null),
  who,
  h('div', { className: 'pcell-foot muted' },
    `epoch ${c.epoch ?? '–'} · lag ${c.lag === null ? '–' : fmt.int(c.lag)}`));
}

function stateLegend() {
  return h('div', { className: 'legend' }, [...STATES, 'moving'].map((s) =>
    h('span', { className: `pstate pstate-${s}` }, s === 'moving' ? 'moving: no serving owner' : s)));
}

function renderCluster(view, data) {
  const cells = partitionMap(data);
  const moving = cells.filter((c) => c.moving).length;
  const sequencer = data.nodes.find((n) => n.sequencer);
  const lag = data.nodes.reduce((a, n) => a + n.lag, 0);
  const self = selfNode(data);
  fill(view.kpis,
    kpi('Mode', 'Cluster', `this node: ${data.self}`),
    kpi('Nodes', fmt.int(data.nodes.length), 'reporting on the members topic', 'nodes'),
    kpi('Partitions serving', `${fmt.int(data.serving)} / ${fmt.int(data.partitions)}`,
      moving ? `${moving} moving` : 'every partition has an owner', 'serving'),
    kpi('Lag', fmt.int(lag), 'records not applied yet'),
    kpi('Sequencer', sequencer ? sequencer.id : '–', 'writes the identity log'));
  view.notice.hidden = Boolean(self);
  view.notice.textContent = self ? '' : `This node (${data.self}) has not reported on the members topic yet.`;
  fill(view.body,
    card('Members', 'as reported on the members topic', h('div', { id: 'nodes-members' },
      table(['Node', 'HTTP', 'Cluster', 'Role', { label: 'Partitions', num: true }, 'States',
        { label: 'Lag', num: true }, { label: 'Epoch', num: true }, 'Last report'],
      data.nodes.map((n) => memberRow(data, n)), 'No member has reported yet'))),
    card('Partition map', `${data.partitions} partitions · owner, state, epoch and lag`,
      h('div', { className: 'pmap', id: 'partition-map' }, cells.map((c) => partitionCell(data, c))),
      stateLegend()));
}

function renderSingle(view, data) {
  const n = selfNode(data);
  fill(view.kpis);
  view.notice.hidden = true;
  fill(view.body, card('Single node (embedded log)', 'no cluster', h('div', { id: 'nodes-single' },
    h('p', { className: 'muted' }, 'This node keeps every user on its own embedded RocksDB log: it has no peers ' +
      'and no partitions. Nodes started with --kafka form a cluster and show here with the partitions they serve.'),
    table(['Node', 'Listen', 'State', 'Version', { label: 'Uptime', num: true }, { label: 'Actors', num: true },
      { label: 'Accepted', num: true }, { label: 'Rejected', num: true }], n ? [h('tr', { dataset: { node: n.id } },
      h('td', {}, h('strong', {}, n.id)),
      h('td', { className: 'mono' }, n.listen),
      h('td', {}, h('span', { className: `pill ${n.state === 'up' ? 'pill-ok' : 'pill-warn'}` }, n.state)),
      h('td', {}, n.version),
      h('td', { className: 'num' }, fmt.duration(n.uptimeSeconds)),
      h('td', { className: 'num' }, fmt.int(n.liveActors)),
      h('td', { className: 'num' }, fmt.int(n.eventsAccepted)),
      h('td', { className: 'num' }, fmt.int(n.eventsRejected)))] : []))));
}

export default {
  title: 'Nodes',
  mount(root) {
    const view = {
      kpis: h('div', { className: 'grid grid-kpi' }),
      notice: h('div', { className: 'banner banner-info', hidden: true }),
      body: h('div', { className: 'content-stack' }),
    };
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    root.append(error, view.notice, view.kpis, view.body);
    return poll(async () => {
      const data = await api('/admin/api/nodes');
      if (isCluster(data)) renderCluster(view, data);
      else renderSingle(view, data);
    }, POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load nodes: ${e.message}`;
    });
  },
};
