// Unmodified Segment and RudderStack server SDKs pointed at a local cohortd.
// Run: COHORTD=build/cohortd node --test tests/integration/sdk/sdk.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { eventCount as count, startCohortd, stopCohortd, waitForProfile as waitFor } from '../cohortd.mjs';

const WRITE_KEY = 'sdk-key';
let server;  // tests/integration/cohortd.mjs

const waitForProfile = (user, pred) => waitFor(server, user, pred);

/** Wraps an SDK call taking a node-style callback (err, ...) in a promise. */
const sent = (call) => new Promise((resolve, reject) => call((err, data) => (err ? reject(err) : resolve(data))));

// The server is started once for the suite; `after` runs as soon as its tests end.
describe('cohortd with real SDK clients', () => {
  before(async () => {
    server = await startCohortd(`ingest: {write_keys: [${WRITE_KEY}], dedup_window: 24h}\n`, 'cohort-sdk-');
  });
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
