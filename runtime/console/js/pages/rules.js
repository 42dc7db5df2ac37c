// Rules: the tags, segments and score weights of the config file, the version running,
// and a reload (POST /admin/api/reload) that shows every error when it is refused.

import { api } from '../api.js';
import { card, fill, h, table } from '../dom.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function ruleRows(rules, numbered) {
  return rules.map((r, i) => h('tr', {},
    numbered ? h('td', { className: 'num muted' }, String(i + 1)) : null,
    h('td', {}, h('span', { className: 'badge' }, r.name)),
    h('td', { className: 'mono' }, r.when),
    h('td', { className: 'num muted' }, r.line ? String(r.line) : '')));
}

function weightRows(score) {
  const names = [...new Set([...Object.keys(score.weights), ...Object.keys(score.caps)])];
  return names.map((n) => h('tr', {},
    h('td', {}, n),
    h('td', { className: 'num' }, score.weights[n] ?? '–'),
    h('td', { className: 'num' }, score.caps[n] ?? '–')));
}

function outcomeBanner(result) {
  if (result.applied) {
    return h('div', { className: 'banner banner-ok', id: 'reload-result' },
      `Reloaded: model version ${result.version} now runs from the next event.`);
  }
  return h('div', { className: 'banner banner-bad', id: 'reload-result' },
    h('strong', {}, `Reload refused; version ${result.version} keeps running.`),
    h('ul', {}, result.errors.map((e) => h('li', { className: 'mono' }, e))));
}

export default {
  title: 'Rules',
  mount(root) {
    const summary = h('div');
    const outcome = h('div');
    const body = h('div', { className: 'content-stack' });
    const reload = h('button', { className: 'btn btn-primary', type: 'button', id: 'reload' }, 'Reload rules');
    root.append(card('Rules in force', null, h('div', { className: 'toolbar' }, summary,
      h('span', { className: 'spacer' }), reload)), outcome, body);
    let alive = true;

    const load = async () => {
      const r = await api('/admin/api/rules');
      if (!alive) return;
      fill(summary, h('div', {},
        h('div', {}, 'Model version ', h('strong', { id: 'model-version' }, String(r.version)),
          ` · ${plural(r.running.tags.length, 'tag rule')} · ${plural(r.running.segments.length, 'segment rule')}`),
        h('div', { className: 'muted mono' }, r.path || 'built-in defaults')));
      const fileErrors = r.fileErrors.length
        ? h('div', { className: 'banner banner-bad' }, h('strong', {}, 'The file on disk has errors; a reload would be refused:'),
          h('ul', {}, r.fileErrors.map((e) => h('li', { className: 'mono' }, e))))
        : null;
      fill(body, fileErrors,
        h('div', { className: 'grid grid-2' },
          card('Segments', 'first match wins', table(['#', 'Segment', 'When', { label: 'Line', num: true }],
            ruleRows(r.segments, true), 'No segment rules: every user is in "default"')),
          card('Tags', null, table(['Tag', 'When', { label: 'Line', num: true }], ruleRows(r.tags, false), 'No tag rules'))),
        h('div', { className: 'grid grid-2' },
          card('Score weights', r.score.model, table(['Feature', { label: 'Weight', num: true }, { label: 'Cap', num: true }],
            weightRows(r.score), 'No weights')),
          card('Config file', 'score, tags and segments sections', h('pre', {}, r.text || '(no file)'))));
    };

    reload.addEventListener('click', async () => {
      reload.disabled = true;
      try {
        const result = await api('/admin/api/reload', { method: 'POST', acceptStatus: [400] });
        fill(outcome, outcomeBanner(result));
        await load();
      } catch (e) {
        fill(outcome, h('div', { className: 'banner banner-bad' }, `Reload failed: ${e.message}`));
      } finally {
        reload.disabled = false;
      }
    });

    load().catch((e) => fill(body, h('div', { className: 'banner banner-bad' }, `Cannot load rules: ${e.message}`)));
    return () => {
      alive = false;
    };
  },
};
