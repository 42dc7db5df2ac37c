// Experiments: what the bandit learned per placement, segment and variant, beside the
// holdout's numbers and the lift over it (GET /admin/api/experiments, every 2 s).

import { api } from '../api.js';
import { card, fill, fmt, h, table } from '../dom.js';
import { poll } from '../poll.js';

function interval(arm) {
  return `${fmt.pct(arm.interval[0])} – ${fmt.pct(arm.interval[1])}`;
}

function lift(value) {
  if (value === null) return '–';
  const sign = value > 0 ? '+' : '';
  return `${sign}${(value * 100).toFixed(1)}%`;
}

function armRow(segment, label, arm, liftValue, holdout) {
  return h('tr', { className: holdout ? 'muted' : '', dataset: { arm: `${segment}/${label}` } },
    h('td', { className: 'mono' }, label),
    h('td', { className: 'num' }, fmt.int(arm.impressions)),
    h('td', { className: 'num' }, fmt.int(arm.rewards)),
    h('td', { className: 'num' }, arm.rate === null ? '–' : fmt.pct(arm.rate)),
    h('td', { className: 'num' }, interval(arm)),
    h('td', { className: 'num' }, holdout ? 'baseline' : lift(liftValue)));
}

function placementCard(p) {
  const aside = `${p.strategy} · reward ${p.reward} · holdout ${fmt.pct(p.holdout)}`;
  const rows = p.segments.flatMap((s) => [
    h('tr', {}, h('th', { colSpan: 6 }, s.segment)),
    ...s.variants.map((v) => armRow(s.segment, v.id, v, v.lift, false)),
    armRow(s.segment, `${s.holdout.variant} (holdout)`, s.holdout, null, true),
  ]);
  return card(`Placement · ${p.placement}`, aside,
    table(['Variant', { label: 'Impressions', num: true }, { label: 'Rewards', num: true },
      { label: 'Rate', num: true }, { label: '95% credible interval', num: true },
      { label: 'Lift vs holdout', num: true }], rows, 'No segment has variants'));
}

export default {
  title: 'Experiments',
  mount(root) {
    const body = h('div', { className: 'content-stack', id: 'experiments' });
    root.append(body);
    return poll(async () => {
      const e = await api('/admin/api/experiments');
      const head = h('div', { className: 'toolbar' },
        h('span', {}, 'Posterior version ', h('strong', { id: 'posterior-version' }, fmt.int(e.version))));
      const cards = e.placements.length
        ? e.placements.map(placementCard)
        : [card('Placements', null, h('div', { className: 'muted' }, 'No placement configured (content.placements)'))];
      fill(body, head, ...cards);
    }, 2000, (e) => {
      if (e) fill(body, h('div', { className: 'banner banner-bad' }, `Cannot load: ${e.message}`));
    });
  },
};
