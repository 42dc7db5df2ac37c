// Dead letters: every message the node refused or could not apply, with its reason and
// the raw message (/admin/api/deadletters), newest first.

import { api } from '../api.js';
import { bar, card, fill, fmt, h, kpi, reasonClass, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 5000;
const LIMIT = 200;

function letterRow(l) {
  return h('tr', { dataset: { id: String(l.id) } },
    h('td', { className: 'num mono' }, String(l.id)),
    h('td', { title: l.at }, fmt.time(l.at)),
    h('td', { className: 'mono' }, l.source),
    h('td', {}, h('span', { className: 'badge badge-bad' }, reasonClass(l.reason).replace('_', ' '))),
    h('td', { className: 'reason' }, l.reason),
    h('td', { className: 'raw-cell' }, h('details', {}, h('summary', {}, 'raw'), h('pre', { className: 'raw' }, l.raw))));
}

function classBars(letters) {
  const counts = new Map();
  for (const l of letters) {
    const c = reasonClass(l.reason);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (letters.length === 0) return h('p', { className: 'empty' }, 'Nothing rejected');
  return h('div', {}, [...counts].sort((a, b) => b[1] - a[1]).map(([c, n]) => h('div', { className: 'bar-row' },
    h('span', { className: 'name' }, c.replace('_', ' ')), bar(n / letters.length, 'bar neg'),
    h('span', { className: 'n' }, fmt.int(n)))));
}

export default {
  title: 'Dead letters',
  mount(root) {
    const kpis = h('div', { className: 'grid grid-kpi' });
    const classes = h('div');
    const list = h('div');
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    root.append(error, kpis, h('div', { className: 'grid grid-3' },
      card('Rejected messages', `newest ${LIMIT}`, list),
      card('By reason', `of the newest ${LIMIT}`, classes)));
    let newest = null;

    const stop = poll(async () => {
      const data = await api(`/admin/api/deadletters?limit=${LIMIT}`);
      const top = data.deadLetters[0]?.id ?? 0;
      fill(kpis,
        kpi('Stored', fmt.int(data.total), 'all time, in RocksDB'),
        kpi('Newest', data.deadLetters[0] ? fmt.ago(data.deadLetters[0].at) : '–',
          data.deadLetters[0] ? data.deadLetters[0].source : 'none yet'));
      // Rebuilt only when something new arrived, so that an opened "raw" stays open.
      if (top === newest) return;
      newest = top;
      fill(list, table([{ label: '#', num: true }, 'Time', 'Source', 'Class', 'Reason', 'Message'],
        data.deadLetters.map(letterRow), 'No dead letters: every message was accepted'));
      fill(classes, classBars(data.deadLetters));
    }, POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load dead letters: ${e.message}`;
    });
    return stop;
  },
};
