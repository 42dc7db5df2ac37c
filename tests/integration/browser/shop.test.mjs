// A shop's pages on their own origin with the real browser SDKs, Segment's analytics.js
// 2.0 (@segment/analytics-next) and RudderStack's JavaScript SDK (@rudderstack/analytics-js),
// loaded from node_modules and pointed at cohortd, in Debian's chromium through
// playwright-core. Each SDK identifies, views a page, tracks, and tracks once more as the
// page unloads (a keepalive fetch, or a beacon); every event must be applied exactly once
// and the browser must log no CORS error. A page of an origin the write key does not
// allow is refused and changes nothing.
// Run: COHORTD=build/cohortd node --test tests/integration/browser/shop.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { eventCount, startCohortd, stopCohortd, waitForProfile } from '../cohortd.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRITE_KEY = 'shop-key';
const WAIT_MS = 10_000;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// NOTES.md: these flags start Debian's chromium headless without touching the network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
// The SDK files a page may load, and nothing else of node_modules.
const SDK_FILES = new Set([
  '@segment/analytics-next/dist/umd/index.js',
  '@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js',
]);

/** Serves the shop's pages and the two SDK files on 127.0.0.1:0; resolves to its origin. */
async function startShop() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://shop');
    let file = null;
    if (url.pathname === '/shop.html' || url.pathname === '/bye.html')
      file = path.join(HERE, 'shop', url.pathname.slice(1));
    else if (url.pathname.startsWith('/nm/') && SDK_FILES.has(url.pathname.slice(4)))
      file = path.join(HERE, 'node_modules', url.pathname.slice(4));
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    res.writeHead(200, { 'content-type': type }).end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

let shop;      // the shop's own origin, allowed for WRITE_KEY
let stranger;  // another origin serving the same pages, not allowed
let cohortd;
let browser;

/** A fresh browser context on `origin`'s shop page with `sdk` in `mode`; logs go to `log`. */
async function openShop(origin, sdk, mode, log) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('console', (m) => { if (m.type() === 'error') log.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  const query = new URLSearchParams({ sdk, mode, key: WRITE_KEY, host: `127.0.0.1:${cohortd.port}` });
  await page.goto(`${origin}/shop.html?${query}`);
  await page.evaluate(() => window.shop.ready());
  return { context, page };
}

/** Resolves once `n` POSTs from `page` to cohortd have their answer; rejects after WAIT_MS. */
function answered(page, n) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const onResponse = (r) => {
      if (r.request().method() !== 'POST' || !r.url().startsWith(cohortd.base)) return;
      if (++seen < n) return;
      clearTimeout(deadline);
      page.off('response', onResponse);
      resolve();
    };
    const deadline = setTimeout(() => {
      page.off('response', onResponse);
      reject(new Error(`${seen} of ${n} requests to cohortd answered in ${WAIT_MS} ms`));
    }, WAIT_MS);
    page.on('response', onResponse);
  });
}

/**
 * identify (with an email), page, track, then a track sent as the page unloads. In `xhr`
 * mode the page stays until all four requests are answered: an unloading page cancels its
 * XHRs, and RudderStack resends what it left queued only from the next page that loads the
 * SDK, ten seconds later at the earliest. The unload case is what its beacon mode is for.
 */
async function visit(page, user, mode) {
  const leave = mode !== 'xhr';
  const delivered = leave ? null : answered(page, 4);
  await page.evaluate(async (u) => {
    await window.shop.identify(u, { email: `${u}@example.com` });
    await window.shop.page();
    await window.shop.track('Product Viewed', { product_id: 'p1' });
  }, user);
  // The last event is still in flight, or only queued, when the page goes away.
  await page.evaluate((leaveNow) => {
    window.shop.track('Product Added', { product_id: 'p1' });
    if (leaveNow) setTimeout(() => { location.href = '/bye.html'; }, 0);
  }, leave);
  if (leave) await page.waitForURL('**/bye.html');
  else await delivered;
}

/** Every event of visit() applied, once. */
async function assertVisitApplied(user, log) {
  const profile = await waitForProfile(cohortd, user, (p) => p.events >= 4, WAIT_MS);
  assert.equal(profile.events, 4, JSON.stringify(profile.eventCounts));
  assert.equal(eventCount(profile, 'identify'), 1);
  assert.equal(eventCount(profile, 'page_view'), 1);
  assert.equal(eventCount(profile, 'product_view'), 1);
  assert.equal(eventCount(profile, 'add_to_cart'), 1);
  assert.ok(profile.identities.some((i) => i.kind === 'email'),
    `the identify's email is not linked: ${JSON.stringify(profile.identities)}`);
  const cors = log.filter((line) => /CORS|Access-Control/i.test(line));
  assert.deepEqual(cors, [], `CORS errors in the browser:\n${log.join('\n')}`);
  return profile;
}

describe('browser SDKs on a shop page of another origin', () => {
  before(async () => {
    shop = await startShop();
    stranger = await startShop();
    cohortd = await startCohortd(`ingest:
  write_keys: [${WRITE_KEY}]
  dedup_window: 24h
  cors:
    origins: []
    keys: [{write_key: ${WRITE_KEY}, origins: ["${shop.origin}"]}]
`, 'cohort-shop-');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await stopCohortd(cohortd);
    shop?.server.close();
    stranger?.server.close();
  });

  test('Segment analytics.js 2.0 with keepalive requests: every event applied once', async () => {
    const user = `seg-${randomUUID()}`;
    const log = [];
    const { context, page } = await openShop(shop.origin, 'segment', 'keepalive', log);
    try {
      await visit(page, user, 'keepalive');
      await assertVisitApplied(user, log);
    } finally {
      await context.close();
    }
  });

  test('RudderStack JavaScript SDK over XHR: every event applied once', async () => {
    const user = `rud-xhr-${randomUUID()}`;
    const log = [];
    const { context, page } = await openShop(shop.origin, 'rudder', 'xhr', log);
    try {
      await visit(page, user, 'xhr');
      await assertVisitApplied(user, log);
    } finally {
      await context.close();
    }
  });

  test('RudderStack JavaScript SDK with beacons: the unload beacon too, each applied once', async () => {
    const user = `rud-beacon-${randomUUID()}`;
    const log = [];
    const { context, page } = await openShop(shop.origin, 'rudder', 'beacon', log);
    try {
      await visit(page, user, 'beacon');
      await assertVisitApplied(user, log);
    } finally {
      await context.close();
    }
  });

  test('a page of another origin is refused with the shop\'s key and changes nothing', async () => {
    for (const [sdk, mode] of [['segment', 'keepalive'], ['rudder', 'beacon']]) {
      const user = `stranger-${sdk}-${randomUUID()}`;
      const log = [];
      const { context, page } = await openShop(stranger.origin, sdk, mode, log);
      try {
        // Segment's requests carry Authorization, so the browser asks first and the
        // refused preflight stops them; a beacon is not preflighted and cohortd refuses
        // the request itself.
        const refused = sdk === 'segment'
          ? page.waitForEvent('console', (m) => /CORS policy/.test(m.text()))
          : page.waitForResponse((r) => r.url().includes('/beacon/v1/batch'));
        await page.evaluate((u) => { window.shop.track('Product Viewed', { product_id: u }); }, user);
        const answer = await refused;
        if (sdk === 'rudder') assert.equal(answer.status(), 403);
        const res = await fetch(`${cohortd.base}/v1/profiles/${encodeURIComponent(user)}`);
        assert.equal(res.status, 404, `${sdk}: ${await res.text()}`);
      } finally {
        await context.close();
      }
    }
  });
});
