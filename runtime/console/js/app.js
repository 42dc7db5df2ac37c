// The console shell: checks the admin token, routes #/page hashes to page modules, and
// keeps the node pill in the top bar current. A page module exports
// {title, mount(root, param) -> cleanup()}.

import { api, ensureAuthorized, token } from './api.js';
import { fill, h, registerSegments } from './dom.js';
import { poll } from './poll.js';
import { isCluster, selfNode } from './cluster.js';
import overview from './pages/overview.js';
import nodes from './pages/nodes.js';
import segments from './pages/segments.js';
import actors from './pages/actors.js';
import inspector from './pages/inspector.js';
import deadletters from './pages/deadletters.js';
import rules from './pages/rules.js';
import webhooks from './pages/webhooks.js';
import kafka from './pages/kafka.js';
import experiments from './pages/experiments.js';

const routes = [
  { pattern: /^#\/overview$/, page: overview, nav: 'overview' },
  { pattern: /^#\/nodes$/, page: nodes, nav: 'nodes' },
  { pattern: /^#\/segments$/, page: segments, nav: 'segments' },
  { pattern: /^#\/actors$/, page: actors, nav: 'actors' },
  { pattern: /^#\/actors\/(.+)$/, page: inspector, nav: 'actors' },
  { pattern: /^#\/deadletters$/, page: deadletters, nav: 'deadletters' },
  { pattern: /^#\/rules$/, page: rules, nav: 'rules' },
  { pattern: /^#\/webhooks$/, page: webhooks, nav: 'webhooks' },
  { pattern: /^#\/kafka$/, page: kafka, nav: 'kafka' },
  { pattern: /^#\/experiments$/, page: experiments, nav: 'experiments' },
];

let cleanup = null;

function route() {
  const hash = location.hash || '#/overview';
  const found = routes.map((r) => ({ r, m: hash.match(r.pattern) })).find((x) => x.m);
  if (!found) {
    location.replace('#/overview');
    return;
  }
  if (cleanup) cleanup();
  cleanup = null;
  const content = document.getElementById('content');
  content.replaceChildren();
  const param = found.m[1] ? decodeURIComponent(found.m[1]) : undefined;
  const title = typeof found.r.page.title === 'function' ? found.r.page.title(param) : found.r.page.title;
  document.getElementById('page-title').textContent = title;
  document.title = `${title} · Cohort console`;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === found.r.nav);
  }
  cleanup = found.r.page.mount(content, param);
}

function watchNode() {
  const pill = document.getElementById('node-pill');
  poll(async () => {
    const data = await api('/admin/api/nodes');
    const node = selfNode(data);
    if (!node) {  // a cluster node before its first report on the members topic
      pill.className = 'pill pill-warn';
      pill.textContent = `${data.self} · joining`;
      pill.title = `cluster of ${data.nodes.length} node${data.nodes.length === 1 ? '' : 's'}`;
      return;
    }
    pill.className = `pill ${node.state === 'up' ? 'pill-ok' : 'pill-warn'}`;
    pill.textContent = `${node.id} · ${node.state}`;
    pill.title = isCluster(data)
      ? `cohortd on ${node.listen} · cluster of ${data.nodes.length} nodes, ${data.serving}/${data.partitions} partitions served`
      : `cohortd ${node.version} on ${node.listen}`;
  }, 5000, (e) => {
    if (!e) return;
    pill.className = 'pill pill-bad';
    pill.textContent = 'node unreachable';
  });
}

async function boot() {
  document.getElementById('sign-out').addEventListener('click', () => {
    token.clear();
    location.reload();
  });
  try {
    await ensureAuthorized();
  } catch (e) {
    fill(document.getElementById('content'),
      h('div', { className: 'banner banner-bad' }, `Cannot reach the node: ${e.message}`));
    return;
  }
  watchNode();
  // Segment colours follow rule order on every page; should this fail, colours come from
  // a hash of the name instead, which is only less tidy.
  await api('/admin/api/rules').then((r) => registerSegments([...r.running.segments, 'default']), () => {});
  window.addEventListener('hashchange', route);
  route();
}

boot();
