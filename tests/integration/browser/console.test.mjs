// The admin console in a real browser: Debian's chromium driven by playwright-core.
// Starts cohortd with an admin token, signs in (a wrong token is refused), visits every
// page, finds a user, opens its inspector and watches it update live while events are
// sent over HTTP. No page may raise a JavaScript error or log a console error. A
// screenshot of each page is saved to $CONSOLE_SCREENSHOTS (ctest: build/console-screenshots).
// Run: COHORTD=build/cohortd node --test tests/integration/browser/console.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startCohortd, stopCohortd } from '../cohortd.mjs';

const ADMIN_TOKEN = 'console-secret';
const WRITE_KEY = 'console-key';
const WAIT_MS = 10_000;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// NOTES.md: these flags start Debian's chromium headless without touching the network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const CONFIG = `admin: {token: ${ADMIN_TOKEN}}
ingest: {write_keys: [${WRITE_KEY}], dedup_window: 24h}
score:
  model: weighted
  weights: {product_views: 0.5, cart_adds: 0.5}
  caps: {product_views: 4, cart_adds: 1}
tags:
  - {name: Window Shopper, when: 'product_views >= 2'}
segments:
  - {name: Buyers, when: 'cart_adds >= 1'}
  - {name: Browsers, when: 'product_views >= 2'}
  - {name: Visitors, when: 'true'}
content:
  placements:
    promo: {strategy: thompson, Visitors: [{id: A}, {id: B}], default: {id: control}}
`;

let server;   // { proc, base, dir, stderrPath }
let browser;
let page;
const problems = [];  // page errors and console errors, with the page they happened on
let currentPage = 'start';
// Chromium logs every 4xx response as a console error. The one answer the console is
// expected to get is the 400 of a refused reload; it is allowed only while one is due.
let refusedReloadDue = false;
const shotDir = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'cohort-console-shots-'));

/** POSTs Segment messages to /v1/batch; returns the response status. */
async function send(messages) {
  const res = await fetch(`${server.base}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
    body: JSON.stringify({ batch: messages }),
  });
  await res.text();
  return res.status;
}

const view = (userId, product) => ({
  type: 'track', userId, event: 'Product Viewed', messageId: randomUUID(),
  properties: { product_id: product, path: `/p/${product}` },
});
const pageView = (userId) => ({ type: 'page', userId, name: 'Home', messageId: randomUUID(), properties: { path: '/' } });
const cartAdd = (userId) => ({ type: 'track', userId, event: 'Product Added', messageId: randomUUID() });

async function visit(name, hash) {
  currentPage = name;
  await page.goto(`${server.base}/console/#/${hash}`);
}

async function screenshot(name) {
  const file = path.join(shotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

function assertNoProblems() {
  assert.deepEqual(problems, [], `JavaScript errors in the console:\n${problems.join('\n')}`);
}

describe('admin console in chromium', () => {
  before(async () => {
    mkdirSync(shotDir, { recursive: true });
    console.log(`console screenshots: ${shotDir}`);
    server = await startCohortd(CONFIG, 'cohort-console-');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (e) => problems.push(`[${currentPage}] page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (refusedReloadDue && /status of 400/.test(m.text()) && m.location().url.endsWith('/admin/api/reload')) return;
      problems.push(`[${currentPage}] console error: ${m.text()} (${m.location().url})`);
    });
  });

  after(async () => {
    if (browser) await browser.close();
    await stopCohortd(server);
  });

  const user = `shopper-${randomUUID().slice(0, 8)}`;

  test('seed users', async () => {
    assert.equal(await send([pageView(user)]), 200);
    assert.equal(await send([view('browser-1', 'a'), view('browser-1', 'b'), pageView('visitor-1')]), 200);
    assert.equal(await send([{ type: 'track', event: 'No user', messageId: randomUUID() }]), 400);
  });

  test('a wrong token is refused, the right one lets in', async () => {
    await visit('login', 'overview');
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#login-token', 'not-the-token');
    await page.click('#login-submit');
    await page.locator('#login-error').waitFor({ state: 'visible' });
    assert.match(await page.textContent('#login-error'), /refused/);
    assert.equal(await page.isVisible('#login'), true, 'still asking for the token');
    await page.fill('#login-token', ADMIN_TOKEN);
    await page.click('#login-submit');
    await page.locator('#login').waitFor({ state: 'hidden' });
    assertNoProblems();
  });

  test('overview shows the node and its counters', async () => {
    await visit('overview', 'overview');
    await page.waitForFunction(() => Number(document.querySelector('[data-kpi="live"]')?.textContent) >= 3);
    await page.waitForFunction(() => document.querySelector('#node-pill')?.textContent.includes('up'));
    await page.getByText('Rejects by reason').waitFor();
    await screenshot('overview');
    assertNoProblems();
  });

  test('nodes shows this single node', async () => {
    await visit('nodes', 'nodes');
    const panel = page.locator('#nodes-single');
    await panel.locator('tr[data-node="node-1"]').waitFor();
    assert.match(await page.locator('.card', { has: panel }).textContent(), /single node \(embedded log\)/i);
    assert.match(await panel.locator('tr[data-node="node-1"]').textContent(), /up/);
    assert.equal(await page.locator('#partition-map').count(), 0, 'a single node has no partition map');
    await screenshot('nodes');
    assertNoProblems();
  });

  test('segments shows sizes and tags', async () => {
    await visit('segments', 'segments');
    await page.getByRole('cell', { name: 'Browsers' }).waitFor();
    await page.getByText('Window Shopper').first().waitFor();
    await screenshot('segments');
    assertNoProblems();
  });

  test('actors: find the user, open the inspector, see it update live', async () => {
    await visit('actors', 'actors');
    await page.fill('#actor-search', user);
    // The list starts unfiltered (three users); the search narrows it to the one.
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-user]').length === 1);
    const row = page.locator(`tr[data-user="${user}"]`);
    await row.waitFor();
    await screenshot('actors');

    currentPage = 'inspector';
    await row.getByRole('link', { name: user }).click();
    await page.waitForURL(`**/console/#/actors/${user}`);
    await page.waitForFunction(() => document.querySelector('#inspect-status')?.textContent === 'live');
    await page.waitForFunction(() => document.querySelector('#inspect-events')?.textContent === '1');
    assert.equal(await page.textContent('#inspect-segment'), 'Visitors');
    // A marker that a reload would wipe: the updates below must arrive without one.
    await page.evaluate(() => { window.stillSamePage = true; });

    assert.equal(await send([view(user, 'x'), view(user, 'y')]), 200);
    await page.waitForFunction(() => document.querySelector('#inspect-events')?.textContent === '3');
    assert.equal(await page.textContent('#inspect-segment'), 'Browsers');
    await page.locator('#inspect-tags').getByText('Window Shopper').waitFor();
    await page.locator('.timeline li').filter({ hasText: 'Visitors → Browsers' }).waitFor();

    assert.equal(await send([cartAdd(user)]), 200);
    await page.waitForFunction(() => document.querySelector('#inspect-events')?.textContent === '4');
    assert.equal(await page.textContent('#inspect-segment'), 'Buyers');
    assert.equal(await page.evaluate(() => window.stillSamePage), true, 'the page was reloaded');
    assert.ok(Number(await page.textContent('#inspect-score')) > 0, 'the score moved');
    await page.locator('#inspect-events-table').getByText('add_to_cart').waitFor();
    await screenshot('inspector');
    assertNoProblems();
  });

  test('dead letters lists the rejected message with its reason and replays it', async () => {
    await visit('deadletters', 'deadletters');
    await page.getByText('missing userId or anonymousId').waitFor();
    await screenshot('deadletters');
    // Replaying it changes nothing (no fix was made): it fails again and is stored anew.
    await page.fill('#replay-reason', 'missing userId');
    await page.click('#replay');
    await page.locator('#replay-result').getByText('Replayed 0 of 1 selected, 1 failed again').waitFor();
    await page.getByText('missing userId or anonymousId').first().waitFor();
    assertNoProblems();
  });

  test('experiments shows what the outcomes taught the bandit', async () => {
    const res = await fetch(`${server.base}/v1/personalize?userId=visitor-1&placement=promo`);
    const decision = await res.json();
    assert.equal(res.status, 200);
    const outcomes = await fetch(`${server.base}/v1/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(`${WRITE_KEY}:`)}` },
      body: JSON.stringify({ batch: [{ decisionId: decision.decisionId, outcome: 'impression' },
        { decisionId: decision.decisionId, outcome: 'conversion' }] }),
    });
    assert.equal(outcomes.status, 200, await outcomes.text());
    await visit('experiments', 'experiments');
    await page.locator('#posterior-version').getByText('1').waitFor();
    const row = page.locator(`#experiments tr[data-arm="Visitors/${decision.variant.id}"]`);
    await row.waitFor();
    // One impression, one conversion: a rate of 100% and Beta(2, 1)'s interval 15.8%-98.7%.
    assert.match(await row.textContent(), /100%/);
    assert.match(await row.textContent(), /16% – 99%/);
    await screenshot('experiments');
    assertNoProblems();
  });

  test('rules shows the rule set and reloads it', async () => {
    await visit('rules', 'rules');
    await page.locator('#model-version').getByText('1').waitFor();
    await page.getByRole('cell', { name: "product_views >= 2" }).first().waitFor();
    await page.click('#reload');
    await page.locator('#reload-result').getByText('Reloaded').waitFor();
    await page.locator('#model-version').getByText('2').waitFor();

    // A broken rule: the reload is refused with the error, and version 2 stays.
    const config = path.join(server.dir, 'cohort.yaml');
    writeFileSync(config, CONFIG.replace("when: 'true'", "when: 'scor > 1'"));
    refusedReloadDue = true;
    await page.click('#reload');
    await page.locator('#reload-result').getByText('Reload refused').waitFor();
    refusedReloadDue = false;
    await page.locator('#reload-result').getByText("unknown feature 'scor'").waitFor();
    assert.equal(await page.textContent('#model-version'), '2');
    await screenshot('rules');
    assertNoProblems();
  });
});
