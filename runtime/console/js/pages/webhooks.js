// Webhooks: each destination's queue, deliveries, failures and circuit breaker
// (/admin/api/webhooks). URLs are shown, secrets never reach the console.

import { api } from '../api.js';
import { card, fill, fmt, h, kpi, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 2000;

const breakerBadge = (state) => h('span',
  { className: state === 'closed' ? 'badge badge-ok' : 'badge badge-bad', title: 'circuit breaker' },
  state.replace('_', '-'));

function row(w) {
  return h('tr', { dataset: { url: w.url } },
    h('td', { className: 'mono' }, w.url),
    h('td', {}, w.events.join(', ')),
    h('td', { className: 'num' }, fmt.int(w.queued)),
    h('td', { className: 'num' }, fmt.int(w.inFlight)),
    h('td', { className: 'num' }, fmt.int(w.delivered)),
    h('td', { className: 'num' }, fmt.int(w.failures)),
    h('td', { className: 'num' }, fmt.int(w.dropped + w.abandoned)),
    h('td', {}, breakerBadge(w.breaker)),
    h('td', { className: 'reason', title: w.lastErrorAt ?? '' },
      w.lastError ? `${w.lastError} (${fmt.ago(w.lastErrorAt)})` : '–'));
}

export default {
  title: 'Webhooks',
  mount(root) {
    const kpis = h('div', { className: 'grid grid-kpi' });
    const list = h('div');
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    root.append(error, kpis, card('Destinations', 'per-profile order, durable queues', list));
    const stop = poll(async () => {
      const { webhooks } = await api('/admin/api/webhooks');
      const sum = (k) => webhooks.reduce((n, w) => n + w[k], 0);
      fill(kpis,
        kpi('Queued', fmt.int(sum('queued')), 'on disk, all destinations', 'webhooks-queued'),
        kpi('Delivered', fmt.int(sum('delivered')), 'since start', 'webhooks-delivered'),
        kpi('Failures', fmt.int(sum('failures')), 'attempts retried since start'),
        kpi('Open breakers', fmt.int(webhooks.filter((w) => w.breaker !== 'closed').length),
          `of ${webhooks.length} destination${webhooks.length === 1 ? '' : 's'}`));
      fill(list, table(['URL', 'Events', { label: 'Queued', num: true }, { label: 'In flight', num: true },
        { label: 'Delivered', num: true }, { label: 'Failures', num: true }, { label: 'Dropped', num: true },
        'Breaker', 'Last error'], webhooks.map(row), 'No webhook destinations configured (webhooks: in the config)'));
    }, POLL_MS, (e) => {
      error.hidden = !e;
      if (e) error.textContent = `Cannot load webhooks: ${e.message}`;
    });
    return stop;
  },
};
