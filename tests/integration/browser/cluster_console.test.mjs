// The admin console of a two-node cluster in a real browser (Debian's chromium through
// playwright-core). Starts cohort-kafka-mock and two cohortd nodes on it, waits until
// all 8 partitions are served, both nodes serve some and one is the sequencer, and sends
// events for users on both nodes. Then on node 1: the Nodes page lists both members and
// every partition with its owner (as /admin/api/nodes says), its link opens node 2's
// console, and the Actors page and the inspector show a user whose partition node 2 owns,
// live. No page may raise a JavaScript error or log a console error. Screenshots go to $CONSOLE_SCREENSHOTS
// (ctest: build/console-screenshots), named cluster-*.png.
// Run: COHORTD=build/cohortd COHORT_KAFKA_MOCK=build/cohort-kafka-mock \
//        node --test tests/integration/browser/cluster_console.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import {
  startCohortd, startKafkaMock, stopCohortd, stopKafkaMock, waitForProfile,
} from '../cohortd.mjs';

const WRITE_KEY = 'cluster-key';
const PREFIX = `t${randomUUID().slice(0, 6)}`;
const PARTITIONS = 8;
const WAIT_MS = 15_000;          // one browser wait
const SERVING_MS = 90_000;       // the group settles (~5-12 s after start; slow CI more)
const PROFILE_MS = 30_000;       // an event reaches its owner's profile
const REQUEST_MS = 10_000;       // one HTTP request of the test itself
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// NOTES.md: these flags start Debian's chromium headless without touching the network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const CONFIG = `ingest: {write_keys: [${WRITE_KEY}], checkpoint_interval: 2s}
cluster: {kafka: {topic_prefix: ${PREFIX}, partitions: ${PARTITIONS}, session_timeout: 6s}}
score:
  model: weighted
  weights: {product_views: 1}
  caps: {product_views: 4}
segments:
  - {name: Browsers, when: 'product_views >= 2'}
  - {name: Visitors, when: 'true'}
`;

let mock;
const nodes = [];   // [n1, n2]: startCohortd results with .id
let browser;
let page;
const problems = [];
let currentPage = 'start';
const shotDir = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'cohort-console-shots-'));

/** The partition of a profile: FNV-1a 64 of its id mod P (cluster/partitioning.hpp). */
function partitionOf(profileId) {
  let hash = 14695981039346656037n;
  for (const byte of Buffer.from(profileId, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * 1099511628211n) & 0xffffffffffffffffn;
  }
  return Number(hash % BigInt(PARTITIONS));
}

async function nodesOf(server) {
  const res = await fetch(`${server.base}/admin/api/nodes`, { signal: AbortSignal.timeout(REQUEST_MS) });
  assert.equal(res.status, 200, `GET /admin/api/nodes on ${server.id}`);
  return res.json();
}

/** partition -> id of the node serving it, from one node's /admin/api/nodes. */
function owners(data) {
  const map = new Map();
  for (const n of data.nodes) {
    for (const p of n.partitions) if (p.state === 'serving') map.set(p.partition, n.id);
  }
  return map;
}

/**
 * Waits until both nodes agree: two members, every partition served, each serves some,
 * and one sequencer (elected in its own group, often a moment after the partitions).
 */
async function waitForServing() {
  const deadline = Date.now() + SERVING_MS;
  let last = [];
  for (;;) {
    last = await Promise.all(nodes.map((n) => nodesOf(n).catch((e) => ({ error: e.message }))));
    const settled = last.every((d) => d.mode === 'cluster' && d.nodes?.length === 2
      && d.serving === PARTITIONS && owners(d).size === PARTITIONS
      && d.nodes.every((n) => n.partitions.some((p) => p.state === 'serving'))
      && d.nodes.filter((n) => n.sequencer).length === 1);
    const agree = settled && JSON.stringify([...owners(last[0])]) === JSON.stringify([...owners(last[1])]);
    if (agree) return owners(last[0]);
    if (Date.now() >= deadline) {
      assert.fail(`the cluster did not settle in ${SERVING_MS} ms; last answers:\n${JSON.stringify(last)}\n`
        + nodes.map((n) => `${n.id} stderr:\n${n.stderr().slice(-3000)}`).join('\n'));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A fresh user id whose partition `owner` serves. */
function userOwnedBy(ownerMap, owner, tag) {
  for (let i = 0; i < 1000; i++) {
    const id = `${tag}-${randomUUID().slice(0, 8)}`;
    if (ownerMap.get(partitionOf(id)) === owner) return id;
  }
  throw new Error(`no user id lands on ${owner}`);
}

async function send(server, messages) {
  const res = await fetch(`${server.base}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
    body: JSON.stringify({ batch: messages }),
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  await res.text();
  return res.status;
}

const view = (userId, product) => ({
  type: 'track', userId, event: 'Product Viewed', messageId: randomUUID(),
  properties: { product_id: product, path: `/p/${product}` },
});
const pageView = (userId) => ({ type: 'page', userId, name: 'Home', messageId: randomUUID(), properties: { path: '/' } });

async function visit(name, server, hash) {
  currentPage = name;
  await page.goto(`${server.base}/console/#/${hash}`);
}

async function screenshot(name) {
  const file = path.join(shotDir, `cluster-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

function watch(p) {
  p.on('pageerror', (e) => problems.push(`[${currentPage}] page error: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(`[${currentPage}] console error: ${m.text()} (${m.location().url})`);
  });
}

function assertNoProblems() {
  assert.deepEqual(problems, [], `JavaScript errors in the console:\n${problems.join('\n')}`);
}

describe('cluster console in chromium', () => {
  let ownerMap;      // partition -> node id
  let remoteUser;    // owned by n2
  let localUser;     // owned by n1

  before(async () => {
    mkdirSync(shotDir, { recursive: true });
    console.log(`console screenshots: ${shotDir}`);
    mock = await startKafkaMock({ brokers: 3, topicPrefix: PREFIX, partitions: PARTITIONS });
    for (const id of ['n1', 'n2']) {
      const server = await startCohortd(CONFIG, `cohort-cluster-${id}-`,
        ['--node-id', id, '--kafka', mock.bootstrap, '--cluster-listen', '127.0.0.1:0']);
      server.id = id;
      nodes.push(server);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    watch(page);
  });

  after(async () => {
    if (browser) await browser.close();
    await Promise.all(nodes.map((n) => stopCohortd(n)));
    await stopKafkaMock(mock);
  });

  test('every partition gets a serving owner, on both nodes', async () => {
    ownerMap = await waitForServing();
    assert.deepEqual(new Set(ownerMap.values()), new Set(['n1', 'n2']));
  });

  test('events for users on both nodes are applied by their owners', async () => {
    const [n1, n2] = nodes;
    remoteUser = userOwnedBy(ownerMap, 'n2', 'remote');
    localUser = userOwnedBy(ownerMap, 'n1', 'local');
    assert.equal(await send(n1, [pageView(remoteUser), pageView(localUser), view(localUser, 'a')]), 200);
    assert.equal(await send(n2, [view(localUser, 'b')]), 200);
    // Either node answers for either user (node 1 asks node 2 for remoteUser).
    await waitForProfile(n1, remoteUser, (p) => p.events === 1, PROFILE_MS);
    await waitForProfile(n1, localUser, (p) => p.events === 3, PROFILE_MS);
    await waitForProfile(n2, localUser, (p) => p.events === 3, PROFILE_MS);
  });

  test('nodes page on node 1: both members and every partition with its owner', async () => {
    const [n1, n2] = nodes;
    await visit('nodes', n1, 'nodes');
    await page.locator('#nodes-members tr[data-node="n2"]').waitFor();
    await page.waitForFunction((p) => {
      const cells = [...document.querySelectorAll('#partition-map [data-partition]')];
      return cells.length === p && cells.every((c) => c.dataset.owner !== '');
    }, PARTITIONS);
    assert.equal(await page.locator('#nodes-members tr[data-node]').count(), 2);
    for (const n of nodes) {
      const row = page.locator(`#nodes-members tr[data-node="${n.id}"]`);
      const link = row.getByRole('link', { name: `127.0.0.1:${n.port}` });
      assert.equal(await link.getAttribute('href'), `http://127.0.0.1:${n.port}/console/#/nodes`);
      const served = [...ownerMap].filter(([, id]) => id === n.id).length;
      assert.equal(await row.locator('[data-served]').getAttribute('data-served'), String(served));
    }
    assert.match(await page.locator('#nodes-members tr[data-node="n1"]').textContent(), /this node/);
    // The sequencer is elected in a consumer group of its own: a member joining it late
    // (a slow node, under ASan) makes it rebalance, and until the new claim no member
    // reports the role. Exactly one, once the claim is made.
    await page.waitForFunction(() => [...document.querySelectorAll('#nodes-members .badge')]
      .filter((b) => b.textContent === 'sequencer').length === 1);
    assert.equal(await page.locator('#nodes-members .badge', { hasText: 'sequencer' }).count(), 1,
      'exactly one sequencer');
    // The map says what /admin/api/nodes says (the cluster is settled: it does not move).
    const shown = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#partition-map [data-partition]')]
      .map((c) => [c.dataset.partition, `${c.dataset.owner}/${c.dataset.state}`])));
    assert.deepEqual(shown, Object.fromEntries([...ownerMap].map(([p, id]) => [String(p), `${id}/serving`])));
    assert.equal(await page.locator('#partition-map .pcell-moving').count(), 0);
    assert.equal(await page.locator('[data-kpi="serving"]').textContent(), `${PARTITIONS} / ${PARTITIONS}`);
    await page.waitForFunction(() => document.querySelector('#node-pill')?.textContent === 'n1 · up');
    await screenshot('nodes');
    assertNoProblems();

    // The HTTP address opens that node's own console in a new tab.
    currentPage = 'nodes on n2';
    const [popup] = await Promise.all([
      page.context().waitForEvent('page'),
      page.locator('#nodes-members tr[data-node="n2"]').getByRole('link', { name: `127.0.0.1:${n2.port}` }).click(),
    ]);
    watch(popup);
    popup.setDefaultTimeout(WAIT_MS);
    await popup.waitForFunction(() => document.querySelector('#node-pill')?.textContent === 'n2 · up');
    await popup.locator('#nodes-members tr[data-node="n2"]').getByText('this node').waitFor();
    await popup.close();
    assertNoProblems();
  });

  test('overview on node 1 lists the members', async () => {
    await visit('overview', nodes[0], 'overview');
    await page.getByRole('cell', { name: 'n2', exact: true }).waitFor();
    await page.getByText(`${PARTITIONS} of ${PARTITIONS} partitions served`).waitFor();
    await screenshot('overview');
    assertNoProblems();
  });

  test('actors on node 1 finds a user of node 2; its inspector follows it live', async () => {
    const [n1, n2] = nodes;
    await visit('actors', n1, 'actors');
    await page.fill('#actor-search', remoteUser);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-user]').length === 1);
    const row = page.locator(`tr[data-user="${remoteUser}"]`);
    await row.waitFor();
    await screenshot('actors');

    currentPage = 'inspector';
    await row.getByRole('link', { name: remoteUser }).click();
    await page.waitForURL(`**/console/#/actors/${remoteUser}`);
    await page.waitForFunction(() => document.querySelector('#inspect-status')?.textContent === 'live');
    await page.waitForFunction(() => document.querySelector('#inspect-events')?.textContent === '1');
    assert.equal(await page.textContent('#inspect-segment'), 'Visitors');
    await page.evaluate(() => { window.stillSamePage = true; });

    // Sent to node 2 this time: node 1's inspector still sees it, without a reload.
    assert.equal(await send(n2, [view(remoteUser, 'x'), view(remoteUser, 'y')]), 200);
    await page.waitForFunction(() => document.querySelector('#inspect-events')?.textContent === '3', null,
      { timeout: PROFILE_MS });
    assert.equal(await page.textContent('#inspect-segment'), 'Browsers');
    assert.equal(await page.evaluate(() => window.stillSamePage), true, 'the page was reloaded');
    await screenshot('inspector');
    assertNoProblems();
  });
});
