// Unmodified Segment and RudderStack server SDKs pointed at a local cohortd.
// Run: COHORTD=build/cohortd node --test tests/integration/sdk/sdk.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';

const WRITE_KEY = 'sdk-key';
const READY_TIMEOUT_MS = 30_000;
const POLL_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 20;
const READY_LINE = /^cohortd listening on http:\/\/127\.0\.0\.1:(\d+)$/m;

let server;  // { proc, port, base, dir, stderrPath }

async function startCohortd() {
  const binary = process.env.COHORTD;
  assert.ok(binary, 'COHORTD must name the cohortd binary (ctest sets it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'cohort-sdk-'));
  const config = path.join(dir, 'cohort.yaml');
  writeFileSync(config, `ingest: {write_keys: [${WRITE_KEY}], dedup_window: 24h}\n`);
  const stderrPath = path.join(dir, 'stderr.log');
  const stderrFd = openSync(stderrPath, 'a');
  const proc = spawn(binary,
    ['--config', config, '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')],
    { stdio: ['ignore', 'pipe', stderrFd] });
  closeSync(stderrFd);

  const port = await new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${why}\nstdout:\n${out}\nstderr:\n${readFileSync(stderrPath, 'utf8')}`));
    };
    const timer = setTimeout(() => fail('cohortd printed no listening line in time'), READY_TIMEOUT_MS);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(READY_LINE);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code, signal) => fail(`cohortd exited early (code ${code}, signal ${signal})`));
    proc.on('error', (err) => fail(`cannot start ${binary}: ${err.message}`));
  });
  proc.stdout.resume();  // keep draining so that the server never blocks on a full pipe
  return { proc, port, base: `http://127.0.0.1:${port}`, dir, stderrPath };
}

async function stopCohortd(s) {
  if (!s) return;
  if (s.proc.exitCode === null && s.proc.signalCode === null) {
    const exited = new Promise((resolve) => s.proc.once('exit', resolve));
    s.proc.kill('SIGTERM');
    const timer = setTimeout(() => s.proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (!process.env.COHORT_KEEP_TMP) rmSync(s.dir, { recursive: true, force: true });
}

/** Polls GET /v1/profiles/{user} until `pred(profile)` holds; returns the last answer. */
async function waitForProfile(user, pred) {
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  let last = { status: 0, body: '' };
  for (;;) {
    const res = await fetch(`${server.base}/v1/profiles/${encodeURIComponent(user)}`);
    last = { status: res.status, body: await res.text() };
    if (res.status === 200) {
      const profile = JSON.parse(last.body);
      if (pred(profile)) return profile;
    }
    if (Date.now() >= deadline) {
      assert.fail(`profile of ${user} never matched; last answer ${last.status}: ${last.body}\n` +
        `cohortd stderr:\n${readFileSync(server.stderrPath, 'utf8').slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

const count = (profile, type) => (profile.eventCounts ?? {})[type] ?? 0;

/** Wraps an SDK call taking a node-style callback (err, ...) in a promise. */
const sent = (call) => new Promise((resolve, reject) => call((err, data) => (err ? reject(err) : resolve(data))));

// The server is started once for the suite; `after` runs as soon as its tests end.
describe('cohortd with real SDK clients', () => {
  before(async () => { server = await startCohortd(); });
  after(async () => { await stopCohortd(server); });

  test('Segment analytics-node: track, page, identify', async () => {
    const user = `seg-${randomUUID()}`;
    const analytics = new SegmentAnalytics({
      writeKey: WRITE_KEY, host: server.base, flushAt: 1, maxRetries: 2,
    });
    const errors = [];
    analytics.on('error', (e) => errors.push(e));
    try {
      const contexts = await Promise.all([
        sent((cb) => analytics.track({ userId: user, event: 'Product Viewed', properties: { product_id: 'p1', price: 12.5 } }, cb)),
        sent((cb) => analytics.track({ userId: user, event: 'Product Viewed', properties: { product_id: 'p2' } }, cb)),
        sent((cb) => analytics.page({ userId: user, name: 'Home', properties: { path: '/home' } }, cb)),
        sent((cb) => analytics.identify({ userId: user, traits: { email: 'seg@example.com' } }, cb)),
      ]);
      const ids = contexts.map((ctx) => ctx.event.messageId);
      const profile = await waitForProfile(user, (p) => p.events >= 4);
      assert.equal(profile.userId, user);
      assert.equal(profile.events, 4);
      assert.equal(count(profile, 'product_view'), 2);
      assert.equal(count(profile, 'page_view'), 1);
      assert.equal(count(profile, 'identify'), 1);
      const seen = new Set(profile.recentEvents.map((e) => e.messageId));
      for (const id of ids) assert.ok(seen.has(id), `messageId ${id} not in recentEvents`);
      const view = profile.recentEvents.find((e) => e.messageId === ids[0]);
      assert.equal(view.type, 'product_view');
      assert.equal(view.properties.product_id, 'p1');
    } finally {
      await analytics.closeAndFlush({ timeout: 5000 });
    }
    assert.deepEqual(errors, []);
  });

  test('Segment analytics-node: a wrong write key fails delivery and changes nothing', async () => {
    const user = `seg-bad-${randomUUID()}`;
    const bad = new SegmentAnalytics({ writeKey: 'not-the-key', host: server.base, flushAt: 1, maxRetries: 0 });
    bad.on('error', () => {});  // the failure is asserted through the callback
    try {
      await assert.rejects(sent((cb) => bad.track({ userId: user, event: 'Product Viewed' }, cb)), /401/);
    } finally {
      await bad.closeAndFlush({ timeout: 5000 });
    }
    // Barrier through a good client for the same user.
    const good = new SegmentAnalytics({ writeKey: WRITE_KEY, host: server.base, flushAt: 1, maxRetries: 2 });
    try {
      await sent((cb) => good.page({ userId: user, name: 'Home' }, cb));
    } finally {
      await good.closeAndFlush({ timeout: 5000 });
    }
    const profile = await waitForProfile(user, (p) => count(p, 'page_view') === 1);
    assert.equal(count(profile, 'product_view'), 0);
    assert.equal(profile.events, 1);
  });

  test('RudderStack rudder-sdk-node (gzip, form content type): track, page, identify', async () => {
    const user = `rud-${randomUUID()}`;
    const errors = [];
    const analytics = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: server.base,
      flushAt: 1,
      flushInterval: 100,
      retryCount: 1,
      logLevel: 'error',
      errorHandler: (err) => errors.push(err),
    });
    await sent((cb) => analytics.track({ userId: user, event: 'Product Added', properties: { sku: 's-1', price: 3 } }, cb));
    await sent((cb) => analytics.page({ userId: user, name: 'Cart', properties: { path: '/cart' } }, cb));
    await sent((cb) => analytics.identify({ userId: user, traits: { plan: 'pro' } }, cb));
    await sent((cb) => analytics.track({ userId: user, event: 'Order Completed', properties: { total: 3 } }, cb));
    await analytics.flush();
    assert.deepEqual(errors.map((e) => String(e)), []);

    const profile = await waitForProfile(user, (p) => p.events >= 4);
    assert.equal(profile.events, 4);
    assert.equal(count(profile, 'add_to_cart'), 1);
    assert.equal(count(profile, 'page_view'), 1);
    assert.equal(count(profile, 'identify'), 1);
    assert.equal(count(profile, 'purchase'), 1);
    const added = profile.recentEvents.find((e) => e.type === 'add_to_cart');
    assert.ok(added, 'add_to_cart not in recentEvents');
    assert.equal(added.properties.sku, 's-1');
  });

  test('RudderStack rudder-sdk-node: a wrong write key reaches the errorHandler', async () => {
    const user = `rud-bad-${randomUUID()}`;
    const errors = [];
    const analytics = new RudderAnalytics('not-the-key', {
      dataPlaneUrl: server.base, flushAt: 1, retryCount: 0, logLevel: 'error',
      errorHandler: (err) => errors.push(err),
    });
    await assert.rejects(sent((cb) => analytics.track({ userId: user, event: 'Product Viewed' }, cb)));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].response?.status, 401);
  });
});
