// Dead letters: every message the node refused or could not apply, with its reason and
// the raw message (/admin/api/deadletters), newest first; after a rule or mapping fix,
// one letter or all letters whose reason starts with a prefix can be replayed through
// ingest (POST /admin/api/deadletters/replay), each applied once.

import { api } from '../api.js';
import { bar, card, fill, fmt, h, kpi, reasonClass, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 5000;
const LIMIT = 200;

function replayOutcome(r) {
  const failed = r.failedAgain > 0 ? `, ${fmt.int(r.failedAgain)} failed again (stored anew with the new reason)` : '';
  const skipped = r.skipped > 0 ? `, ${fmt.int(r.skipped)} late ones skipped` : '';
  const more = r.more ? '; more letters match: replay again' : '';
  return h('div', { className: r.failedAgain > 0 ? 'banner banner-bad' : 'banner banner-ok', id: 'replay-result' },
    `Replayed ${fmt.int(r.replayed)} of ${fmt.int(r.selected)} selected${failed}${skipped}${more}.`);
}

function letterRow(l, replay) {
  const button = h('button', { className: 'btn btn-ghost', type: 'button', title: 'Send this letter back through ingest' }, 'Replay');
  button.addEventListener('click', () => replay({ ids: [l.id] }, button));
  return h('tr', { dataset: { id: String(l.id) } },
    h('td', { className: 'num mono' }, String(l.id)),
    h('td', { title: l.at }, fmt.time(l.at)),
    h('td', { className: 'mono' }, l.source),
    h('td', {}, h('span', { className: 'badge badge-bad' }, reasonClass(l.reason).replace('_', ' '))),
    h('td', { className: 'reason' }, l.reason),
    h('td', { className: 'raw-cell' }, h('details', {}, h('summary', {}, 'raw'), h('pre', { className: 'raw' }, l.raw))),
    h('td', {}, button));
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
    const outcome = h('div');
    const prefix = h('input', { type: 'text', id: 'replay-reason', placeholder: 'reason starts with, e.g. no mapping rule matches', size: 40 });
    const replayAll = h('button', { className: 'btn btn-primary', type: 'button', id: 'replay' }, 'Replay matching');
    root.append(error, kpis, card('Replay after a fix', 'each letter is applied once',
      h('div', { className: 'toolbar' }, prefix, replayAll)), outcome, h('div', { className: 'grid grid-3' },
      card('Rejected messages', `newest ${LIMIT}`, list),
      card('By reason', `of the newest ${LIMIT}`, classes)));
    let newest = null;

    const replay = async (selection, button) => {
      button.disabled = true;
      try {
        const result = await api('/admin/api/deadletters/replay', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(selection),
        });
        fill(outcome, replayOutcome(result));
        newest = null;  // the list changed: rebuild it at the next poll
      } catch (e) {
        fill(outcome, h('div', { className: 'banner banner-bad', id: 'replay-result' }, `Replay failed: ${e.message}`));
      } finally {
        button.disabled = false;
      }
    };
    replayAll.addEventListener('click', () => {
      const reason = prefix.value.trim();
      if (reason) replay({ reason }, replayAll);
      else fill(outcome, h('div', { className: 'banner banner-bad', id: 'replay-result' }, 'Type the start of a reason to replay.'));
    });

    const stop = poll(async () => {
      const data = await api(`/admin/api/deadletters?limit=${LIMIT}`);
      const top = data.deadLetters[0]?.id ?? 0;
      fill(kpis,
        kpi('Stored', fmt.int(data.total), 'all time, pruned ones included'),
        kpi('Newest', data.deadLetters[0] ? fmt.ago(data.deadLetters[0].at) : '–',
          data.deadLetters[0] ? data.deadLetters[0].source : 'none yet'));
      // Rebuilt only when something new arrived, so that an opened "raw" stays open.
      if (top === newest) return;
      newest = top;
      fill(list, table([{ label: '#', num: true }, 'Time', 'Source', 'Class', 'Reason', 'Message', ''],
        data.deadLetters.map((l) => letterRow(l, replay)), 'No dead letters: every message was accepted'));
      fill(classes, classBars(data.deadLetters));
    }, POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load dead letters: ${e.message}`;
    });
    return stop;
  },
};
