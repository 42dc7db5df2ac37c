// Actors: the live session actors, searchable by user id and paged by cursor
// (/admin/api/actors); the current page refreshes every 5 s.

import { api } from '../api.js';
import { palette } from '../charts.js';
import { card, fill, fmt, h, nameBadge, table } from '../dom.js';
import { poll } from '../poll.js';

const POLL_MS = 5000;

function scoreCell(score) {
  const fillBar = h('span');
  fillBar.style.width = `${Math.max(0, Math.min(100, score))}%`;
  return h('td', { className: 'num' }, h('span', { className: 'mini-bar' }, fillBar), fmt.score(score));
}

function actorRow(a) {
  return h('tr', { dataset: { user: a.userId } },
    h('td', {}, h('a', { href: `#/actors/${encodeURIComponent(a.userId)}`, className: 'mono' }, a.userId)),
    h('td', {}, nameBadge(a.segment, palette)),
    scoreCell(a.score),
    h('td', {}, a.tags.length ? a.tags.map((t) => h('span', { className: 'chip' }, t)) : h('span', { className: 'muted' }, '–')),
    h('td', { className: 'num' }, fmt.int(a.events)),
    h('td', { title: a.lastSeen }, fmt.ago(a.lastSeen)),
    h('td', { className: 'num' }, fmt.int(a.mailboxDepth)));
}

export default {
  title: 'Actors',
  mount(root) {
    const state = { filter: '', limit: 50, cursors: [''], next: null };
    const search = h('input', { type: 'search', placeholder: 'Search user ids…', ariaLabel: 'Search user ids', id: 'actor-search' });
    const size = h('select', { ariaLabel: 'Page size' },
      [25, 50, 100, 250].map((n) => h('option', { value: String(n), selected: n === state.limit }, `${n} per page`)));
    const prev = h('button', { className: 'btn', type: 'button', disabled: true }, '← Previous');
    const next = h('button', { className: 'btn', type: 'button', disabled: true }, 'Next →');
    const info = h('span', { className: 'muted' });
    const list = h('div');
    const error = h('div', { className: 'banner banner-bad', hidden: true });
    root.append(error, card('Live session actors', 'one actor per user key; click a user to inspect it',
      h('div', { className: 'toolbar' }, search, size, h('span', { className: 'spacer' }), info, prev, next),
      h('div', { className: 'chart-gap' }),
      list));

    const load = async () => {
      const after = state.cursors[state.cursors.length - 1];
      const params = new URLSearchParams({ limit: String(state.limit), filter: state.filter, after });
      const page = await api(`/admin/api/actors?${params}`);
      state.next = page.next;
      fill(list, table(['User', 'Segment', { label: 'Score', num: true }, 'Tags', { label: 'Events', num: true },
        'Last seen', { label: 'Mailbox', num: true }], page.actors.map(actorRow),
      state.filter ? `No live actor matches “${state.filter}”` : 'No live actors yet: send some events'));
      const pageNo = state.cursors.length;
      info.textContent = `Page ${pageNo} · ${page.actors.length} actor${page.actors.length === 1 ? '' : 's'}`;
      prev.disabled = pageNo === 1;
      next.disabled = !page.next;
    };

    let stop = () => {};
    const restart = () => {
      stop();
      stop = poll(load, POLL_MS, (e) => {
        error.hidden = !e;
        if (e) error.textContent = `Cannot list actors: ${e.message}`;
      });
    };
    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        state.filter = search.value.trim();
        state.cursors = [''];
        restart();
      }, 250);
    });
    size.addEventListener('change', () => {
      state.limit = Number(size.value);
      state.cursors = [''];
      restart();
    });
    next.addEventListener('click', () => {
      if (!state.next) return;
      state.cursors.push(state.next);
      restart();
    });
    prev.addEventListener('click', () => {
      if (state.cursors.length > 1) state.cursors.pop();
      restart();
    });
    restart();
    search.focus();
    return () => {
      clearTimeout(debounce);
      stop();
    };
  },
};
