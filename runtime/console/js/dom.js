// DOM building and formatting helpers. Elements are built with properties, never from
// HTML strings: user ids and event payloads are untrusted text, and the page's
// Content-Security-Policy forbids inline style attributes.

/** h('td', {className: 'num'}, 'text', child, ...) -> HTMLElement. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A horizontal bar filled to `share` (0..1), in `color` when given. */
export function bar(share, className = 'bar', color = null) {
  const inner = h('span');
  inner.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  if (color) inner.style.background = color;
  return h('div', { className }, inner);
}

const segmentOrder = new Map();  // segment name -> position in the rules

/** Makes segment colours follow rule order (distinct for the first palette.length). */
export function registerSegments(names) {
  segmentOrder.clear();
  names.forEach((n, i) => segmentOrder.set(n, i));
}

/** The colour of a segment: by rule order when known, else by a hash of its name. */
export function segmentColor(name, palette) {
  if (segmentOrder.has(name)) return palette[segmentOrder.get(name) % palette.length];
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return palette[hash % palette.length];
}

/** A segment name as a badge, coloured the same on every page. */
export function nameBadge(name, palette) {
  const el = h('span', { className: 'badge' }, name || '–');
  if (!name) return el;
  const color = segmentColor(name, palette);
  el.style.color = color;
  el.style.background = `${color}1a`;
  return el;
}

export function card(title, aside, ...body) {
  const heading = h('h2', {}, h('span', {}, title), aside ? h('span', { className: 'aside' }, aside) : null);
  return h('section', { className: 'card' }, heading, ...body);
}

export function kpi(label, value, sub, id) {
  return h('div', { className: 'card kpi' },
    h('div', { className: 'label' }, label),
    h('div', { className: 'value', dataset: id ? { kpi: id } : undefined }, value),
    h('div', { className: 'sub' }, sub ?? ''));
}

export function table(headers, rows, emptyText = 'Nothing to show') {
  const head = h('thead', {}, h('tr', {}, headers.map((col) =>
    h('th', { className: col.num ? 'num' : '' }, col.label ?? col))));
  const body = h('tbody');
  if (rows.length === 0) {
    body.append(h('tr', {}, h('td', { className: 'empty', colSpan: headers.length }, emptyText)));
  }
  for (const row of rows) body.append(row);
  return h('div', { className: 'table-wrap' }, h('table', {}, head, body));
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const fmt = {
  int: (n) => (Number.isFinite(n) ? integer.format(n) : '–'),
  num: (n) => (Number.isFinite(n) ? decimal.format(n) : '–'),
  score: (n) => (Number.isFinite(n) ? n.toFixed(1) : '–'),
  pct(share) {
    if (!Number.isFinite(share)) return '–';
    if (share === 0) return '0%';
    return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
  },
  /** Seconds as a latency: µs, ms or s. */
  latency(seconds) {
    if (!Number.isFinite(seconds) || seconds <= 0) return '–';
    if (seconds < 0.001) return `${(seconds * 1e6).toFixed(0)} µs`;
    if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
    return `${seconds.toFixed(2)} s`;
  },
  duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400);
    const hrs = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${hrs}h`;
    if (hrs > 0) return `${hrs}h ${m}m`;
    if (m > 0) return `${m}m ${s % 60}s`;
    return `${s}s`;
  },
  /** An ISO time as "12:03:04" today, else the date too. */
  time(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString('en-GB') : `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB')}`;
  },
  ago(iso) {
    if (!iso) return '–';
    const ms = Date.now() - new Date(iso).getTime();
    if (!Number.isFinite(ms)) return iso;
    if (ms < 0) return 'just now';
    return `${fmt.duration(ms / 1000)} ago`;
  },
};

/** The reason class the server uses for /metrics (runtime/metrics.cpp reason_class). */
export function reasonClass(reason) {
  if (reason.startsWith('late')) return 'late';
  if (reason.includes('exceeds')) return 'too_large';
  if (reason.includes('missing') || reason.includes('requires')) return 'missing_field';
  if (reason.includes('no mapping rule')) return 'no_mapping';
  if (reason.includes('must be') || reason.includes('is not')) return 'invalid_field';
  return 'other';
}
