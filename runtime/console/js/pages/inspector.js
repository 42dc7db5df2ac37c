// Inspector: one session actor, live. It opens /v1/stream with the admin token, sends
// {"op":"inspect","userId":U} (the node then pushes the profile whenever it changes)
// and {"op":"subscribe","userId":U} (segment and tag changes, for the change history).
// Score history and changes are collected while the page is open.

import { streamUrl } from '../api.js';
import { palette, sparkline } from '../charts.js';
import { bar, card, fill, fmt, h, nameBadge, table } from '../dom.js';

const MAX_POINTS = 120;
const MAX_CHANGES = 50;

function head(p, frame, status) {
  return h('section', { className: 'card inspector-head' },
    h('div', {},
      h('div', { className: 'muted' }, 'Session actor'),
      h('div', { className: 'who mono', id: 'inspect-user' }, frame.userId)),
    h('div', {}, h('div', { className: 'muted' }, 'Segment'),
      h('div', { id: 'inspect-segment' }, nameBadge(p?.segment, palette))),
    h('div', {}, h('div', { className: 'muted' }, 'Score'),
      h('div', { className: 'score', id: 'inspect-score' }, p ? fmt.score(p.score) : '–')),
    h('div', {}, h('div', { className: 'muted' }, 'Events'),
      h('div', { className: 'score', id: 'inspect-events' }, p ? fmt.int(p.events) : '–')),
    h('div', {}, h('div', { className: 'muted' }, 'Mailbox depth'),
      h('div', { className: 'score', id: 'inspect-mailbox' }, fmt.int(frame.mailboxDepth))),
    h('span', { className: 'spacer' }),
    status);
}

// The tree's and the learned model's terms are margin (log-odds) contributions; they sum
// to the margin, not to the score.
function treeBreakdownTable(p) {
  const rows = p.scoreBreakdown.map((t) => h('tr', {},
    h('td', {}, t.feature),
    h('td', { className: 'num' }, t.feature === 'bias' ? '' : fmt.num(t.value)),
    h('td', { className: 'num' }, fmt.num(t.contribution))));
  return table(['Feature', { label: 'Value', num: true }, { label: 'Log-odds', num: true }], rows,
    'The score model has no features');
}

function breakdownTable(p) {
  if (p.model?.kind === 'tree' || p.model?.kind === 'learned') return treeBreakdownTable(p);
  const rows = p.scoreBreakdown.map((t) => h('tr', {},
    h('td', {}, t.feature),
    h('td', { className: 'num' }, fmt.num(t.weight)),
    h('td', { className: 'num' }, fmt.num(t.value)),
    h('td', {}, h('div', { className: 'share' }, bar(t.normalized), h('span', {}, fmt.num(t.normalized)))),
    h('td', { className: 'num' }, fmt.score(t.contribution))));
  return table(['Factor', { label: 'Weight', num: true }, { label: 'Value', num: true }, 'Normalized',
    { label: 'Points', num: true }], rows, 'The score model has no factors');
}

function featureText(name, v) {
  if (name === 'last_seen') return v > 0 ? fmt.time(new Date(v * 1000).toISOString()) : '–';
  if (typeof v === 'number') return fmt.num(v);
  return String(v || '–');
}

function features(p) {
  return h('div', { className: 'features' }, Object.entries(p.features).map(([name, v]) =>
    h('div', {}, h('span', {}, name), h('span', {}, featureText(name, v)))));
}

function sessionInfo(p) {
  const kv = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  return h('dl', { className: 'kv' },
    kv('Session', h('span', { className: 'mono' }, p.session.id)),
    kv('Started', fmt.time(p.session.started)),
    kv('Last event', fmt.time(p.session.lastEvent)),
    kv('Events in session', fmt.int(p.session.events)),
    kv('First seen', fmt.time(p.firstSeen)),
    kv('Last seen', `${fmt.time(p.lastSeen)} (${fmt.ago(p.lastSeen)})`),
    kv('Duplicates / late', `${fmt.int(p.duplicates)} / ${fmt.int(p.late)}`),
    kv('Model', `${p.model.kind} v${p.model.version}`),
    kv('Event counts', Object.entries(p.eventCounts).map(([t, n]) => h('span', { className: 'chip' }, `${t} ${n}`))));
}

function identities(p) {
  return table(['Kind', 'Id', 'Linked by'], p.identities.map((id) => h('tr', {},
    h('td', {}, id.kind),
    h('td', {}, h('a', { className: 'mono', href: `#/actors/${encodeURIComponent(id.id)}` }, id.id)),
    h('td', {}, h('span', { className: 'chip' }, id.link)))), 'No identities');
}

function recentEvents(p) {
  const rows = [...p.recentEvents].reverse().map((e) => h('tr', {},
    h('td', { title: e.timestamp }, fmt.time(e.timestamp)),
    h('td', {}, h('span', { className: 'badge' }, e.type)),
    h('td', {}, e.name || '–'),
    h('td', { className: 'mono' }, e.messageId),
    h('td', { className: 'mono props' }, JSON.stringify(e.properties))));
  return table(['Time', 'Type', 'Name', 'Message id', 'Properties'], rows, 'No events kept');
}

function changeList(changes) {
  if (changes.length === 0) return h('p', { className: 'empty' }, 'No segment or tag change since this page opened');
  return h('ul', { className: 'timeline' }, changes.map((c) => h('li', {},
    h('time', {}, fmt.time(c.at)),
    c.type === 'segment_change'
      ? h('span', {}, c.from ? [nameBadge(c.from, palette), ' → '] : 'entered ', nameBadge(c.to, palette))
      : h('span', {}, c.added.map((t) => h('span', { className: 'chip' }, `+ ${t}`)),
        c.removed.map((t) => h('span', { className: 'chip' }, `− ${t}`))))));
}

export default {
  title: (user) => `Inspector · ${user}`,
  mount(root, userId) {
    const scores = [];   // score per profile frame (frames come only on change)
    const changes = [];  // segment and tag changes, newest first
    let socket = null;
    let closed = false;
    let retryMs = 500;
    let retryTimer = null;
    let last = { userId, mailboxDepth: 0, profile: null };
    const status = h('span', { className: 'pill pill-muted', id: 'inspect-status' }, 'connecting');
    const updated = h('span', { className: 'muted', id: 'inspect-updated' });
    const body = h('div', { className: 'content-stack' });
    root.append(h('div', { className: 'toolbar' },
      h('a', { href: '#/actors' }, '← All actors'), h('span', { className: 'spacer' }), updated), body);

    const setStatus = (text, kind) => {
      status.textContent = text;
      status.className = `pill pill-${kind}`;
    };

    const render = () => {
      const p = last.profile;
      const statusSlot = h('div', {}, status);
      if (!p) {
        fill(body, head(null, last, statusSlot),
          h('div', { className: 'banner banner-info', id: 'inspect-missing' },
            `${last.error ?? 'No live actor for this user'}. This page updates as soon as one appears.`));
        return;
      }
      const spark = h('canvas', { className: 'sparkline', id: 'inspect-spark' });
      fill(body,
        head(p, last, statusSlot),
        h('div', { className: 'grid grid-3' },
          card('Score', `${scores.length} update${scores.length === 1 ? '' : 's'} while open`,
            spark, h('div', { className: 'chart-gap' }), breakdownTable(p)),
          h('div', { className: 'stack' },
            card('Tags', null, h('div', { id: 'inspect-tags' },
              p.tags.length ? p.tags.map((t) => h('span', { className: 'chip' }, t)) : h('span', { className: 'muted' }, 'No tags'))),
            card('Segment and tag changes', 'live', changeList(changes)))),
        card('Features', 'current session', features(p)),
        h('div', { className: 'grid grid-2' },
          card('Session', null, sessionInfo(p)),
          card('Identities', 'and how they were linked', identities(p))),
        card('Recent events', 'newest first', h('div', { id: 'inspect-events-table' }, recentEvents(p))));
      requestAnimationFrame(() => sparkline(spark, scores.map((s) => s.score), palette[0], [0, 100]));
    };

    const onFrame = (msg) => {
      if (msg.type === 'profile' && msg.userId === userId) {
        last = msg;
        if (msg.profile) {
          scores.push({ t: Date.now(), score: msg.profile.score });
          if (scores.length > MAX_POINTS) scores.shift();
        }
        updated.textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
        render();
      } else if ((msg.type === 'segment_change' || msg.type === 'tags_change') && msg.userId === userId) {
        changes.unshift(msg);
        if (changes.length > MAX_CHANGES) changes.pop();
        render();
      } else if (msg.type === 'ack' && msg.op === 'subscribe') {
        setStatus('live', 'ok');  // both ops are in force: nothing from now on is missed
      } else if (msg.type === 'error') {
        setStatus(msg.reason, 'bad');
      }
    };

    const connect = () => {
      socket = new WebSocket(streamUrl());
      socket.addEventListener('open', () => {
        retryMs = 500;
        socket.send(JSON.stringify({ op: 'inspect', userId }));
        socket.send(JSON.stringify({ op: 'subscribe', userId }));
      });
      socket.addEventListener('message', (ev) => onFrame(JSON.parse(ev.data)));
      socket.addEventListener('close', () => {
        if (closed) return;
        setStatus('reconnecting', 'warn');
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(10_000, retryMs * 2);
      });
    };

    render();
    connect();
    return () => {
      closed = true;
      clearTimeout(retryTimer);
      if (socket) socket.close();
    };
  },
};
