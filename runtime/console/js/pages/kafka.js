// Kafka: each source's counters and per-partition lag, each sink's produced, failed and
// queued changes (GET /admin/api/kafka, every 2 s).

import { api } from '../api.js';
import { card, fill, fmt, h, table } from '../dom.js';
import { poll } from '../poll.js';

function partitionRows(source) {
  return source.partitions.map((p) => h('tr', {},
    h('td', { className: 'mono' }, p.topic),
    h('td', { className: 'num' }, String(p.partition)),
    h('td', { className: 'num' }, fmt.int(p.position)),
    h('td', { className: 'num' }, fmt.int(p.high)),
    h('td', { className: 'num', dataset: { lag: `${p.topic}/${p.partition}` } },
      p.lag === null ? '–' : fmt.int(p.lag))));
}

function sourceCard(s) {
  const aside = `${s.format} · ${s.encoding} · ${s.topics.join(', ')}`;
  const counts = h('div', { className: 'toolbar' },
    h('span', {}, 'Records ', h('strong', {}, fmt.int(s.records))),
    h('span', {}, ' · events ', h('strong', {}, fmt.int(s.events))),
    h('span', {}, ' · dead letters ', h('strong', {}, fmt.int(s.rejected))),
    h('span', {}, ' · paused ', h('strong', {}, fmt.int(s.paused))),
    h('span', {}, ' · failures ', h('strong', {}, fmt.int(s.failures))));
  return card(`Source · group ${s.group}`, aside, counts,
    table(['Topic', { label: 'Partition', num: true }, { label: 'Position', num: true },
      { label: 'High watermark', num: true }, { label: 'Lag', num: true }],
    partitionRows(s), 'No partition assigned yet'));
}

function sinkTable(sinks) {
  return card('Sinks', null, table(['Topic', 'Changes', { label: 'Produced', num: true },
    { label: 'Failed', num: true }, { label: 'Queued', num: true }],
  sinks.map((s) => h('tr', {},
    h('td', { className: 'mono' }, s.topic),
    h('td', {}, s.events.join(', ')),
    h('td', { className: 'num' }, fmt.int(s.produced)),
    h('td', { className: 'num' }, fmt.int(s.failed)),
    h('td', { className: 'num' }, fmt.int(s.queued)))), 'No sink configured'));
}

export default {
  title: 'Kafka',
  mount(root) {
    const body = h('div', { className: 'content-stack', id: 'kafka' });
    root.append(body);
    return poll(async () => {
      const k = await api('/admin/api/kafka');
      const sources = k.sources.length
        ? k.sources.map(sourceCard)
        : [card('Sources', null, h('div', { className: 'muted' }, 'No source configured (kafka.sources)'))];
      fill(body, ...sources, sinkTable(k.sinks));
    }, 2000, (e) => {
      if (e) fill(body, h('div', { className: 'banner banner-bad' }, `Cannot load: ${e.message}`));
    });
  },
};
