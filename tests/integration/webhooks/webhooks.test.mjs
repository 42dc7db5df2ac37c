// Webhooks end to end: a real cohortd POSTs changes to receivers in this process, which
// verify every signature with the standardwebhooks library (Webhook.verify).
//  1. The receiver fails the first deliveries (500, 429 + Retry-After), is then down
//     while cohortd is killed (-9) and restarted on the same data directory: every change
//     arrives, per profile in order, none lost, repeats only with the same webhook-id.
//  2. A destination that accepts connections and never answers, beside a good one: ingest
//     throughput and the good destination's delivery are compared with a run without it.
// Run: COHORTD=build/cohortd node --test tests/integration/webhooks/webhooks.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const READY_LINE = /^cohortd listening on http:\/\/127\.0\.0\.1:(\d+)$/m;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` every 50 ms until it holds; fails with `describe()` after `ms`. */
async function eventually(pred, ms, describe) {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${describe()}`);
    await sleep(50);
  }
}

/** cohortd on `dir` (kept across restarts): resolves once it listens. */
async function startNode(dir, config) {
  const configPath = path.join(dir, 'cohort.yaml');
  writeFileSync(configPath, config);
  const stderrPath = path.join(dir, 'stderr.log');
  const fd = openSync(stderrPath, 'a');
  const proc = spawn(process.env.COHORTD,
    ['--config', configPath, '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')],
    { stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  const stderr = () => readFileSync(stderrPath, 'utf8');
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`no listening line\n${stderr()}`)); }, 30_000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(READY_LINE);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`cohortd exited (${code}, ${signal})\n${stderr()}`)); });
  });
  proc.removeAllListeners('exit');
  proc.stdout.resume();
  return { proc, base: `http://127.0.0.1:${port}`, stderr };
}

async function killNode(node, signal) {
  if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
  const exited = new Promise((resolve) => node.proc.once('exit', resolve));
  node.proc.kill(signal);
  await exited;
}

/**
 * A receiver on a fixed port: verifies each request with Webhook.verify, answers per
 * `answer(n)` (n = requests so far), records what it accepted. stop()/start() take it
 * down (connections refused) and up again.
 */
function receiver(answer = () => ({ status: 204 })) {
  const wh = new Webhook(SECRET);
  const r = { requests: 0, badSignatures: [], accepted: [], server: null, port: 0 };
  const handler = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const n = ++r.requests;
      let payload;
      try {
        payload = wh.verify(body, req.headers);
      } catch (e) {
        r.badSignatures.push(`${e.message}: ${req.headers['webhook-id']}`);
        res.writeHead(400).end();
        return;
      }
      const a = answer(n);
      if (a.status >= 200 && a.status < 300) {
        r.accepted.push({ id: req.headers['webhook-id'], profile: payload.profileId, seq: payload.seq, type: payload.type });
      }
      res.writeHead(a.status, a.headers ?? {}).end();
    });
  };
  r.start = () => new Promise((resolve) => {
    r.server = createServer(handler);
    r.server.listen(r.port, '127.0.0.1', () => { r.port = r.server.address().port; resolve(); });
  });
  r.stop = () => new Promise((resolve) => { r.server.close(() => resolve()); r.server.closeAllConnections(); });
  return r;
}

/** Accepts connections and never answers: the destination that is up but stuck. */
async function blackHole() {
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

const baseConfig = (hooks) => `
ingest: {checkpoint_interval: 1s}
segments:
  - {name: S10, when: 'event_count >= 10'}
  - {name: S5, when: 'event_count >= 5'}
  - {name: S3, when: 'event_count >= 3'}
  - {name: S1, when: 'true'}
tags:
  - {name: many, when: 'event_count >= 4'}
webhooks:
${hooks.map((h) => `  - {url: "http://127.0.0.1:${h.port}/hook", events: [segment_change, tags_change], secret: ${SECRET}, ${h.extra ?? ''}}`).join('\n')}
`;

/** Sends events number `from`..`to` (1-based) of every user, one batch per event round. */
async function sendEvents(node, users, from, to) {
  for (let i = from; i <= to; ++i) {
    const batch = users.map((u) => ({ type: 'track', event: 'click', userId: u, messageId: `${u}-${i}`,
      timestamp: new Date(Date.now()).toISOString(), properties: {} }));
    const res = await fetch(`${node.base}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch }) });
    assert.equal(res.status, 200, await res.text());
  }
}

// Changes per user for n events with the rules above: S1 at 1, S3 at 3, tag at 4, S5 at 5,
// S10 at 10.
const changesFor = (n) => [1, 3, 4, 5, 10].filter((k) => k <= n).length;

test('every change is delivered in order across failures, an outage and kill -9', async () => {
  // The first 6 requests fail: 500, then 429 with Retry-After: 1, alternately.
  const hook = receiver((n) => (n > 6 ? { status: 200 } : n % 2 ? { status: 500 } : { status: 429, headers: { 'retry-after': '1' } }));
  await hook.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'cohort-webhooks-'));
  const config = baseConfig([{ port: hook.port, extra: 'backoff_initial: 100ms, backoff_max: 1s, breaker_failures: 3, breaker_open_for: 500ms, timeout: 2s' }]);
  const users = Array.from({ length: 20 }, (_, i) => `wh-user-${i}-${process.pid}`);
  let node = await startNode(dir, config);
  try {
    await sendEvents(node, users, 1, 4);
    await eventually(() => hook.accepted.length >= users.length, 20_000, () => `${hook.accepted.length} accepted`);
    // Down: deliveries fail and queue up; cohortd dies with changes queued and in flight.
    await hook.stop();
    await sendEvents(node, users, 5, 7);
    await sleep(300);  // let some attempts fail against the closed port
    await killNode(node, 'SIGKILL');
    node = await startNode(dir, config);
    await sendEvents(node, users, 8, 10);
    await hook.start();
    await sendEvents(node, users, 11, 12);
    const expected = changesFor(12);
    const complete = () => users.every((u) => new Set(hook.accepted.filter((a) => a.profile === u).map((a) => a.seq)).size === expected);
    await eventually(complete, 60_000, () => `accepted ${hook.accepted.length}; stderr:\n${node.stderr().slice(-2000)}`);

    assert.deepEqual(hook.badSignatures, []);
    const idOf = new Map();
    for (const a of hook.accepted) {
      const key = `${a.profile}#${a.seq}`;
      if (idOf.has(key)) assert.equal(idOf.get(key), a.id, `a repeat of ${key} with another webhook-id`);
      idOf.set(key, a.id);
    }
    assert.equal(new Set(idOf.values()).size, idOf.size, 'two changes share a webhook-id');
    for (const u of users) {
      const firsts = [];
      for (const a of hook.accepted.filter((x) => x.profile === u)) if (!firsts.includes(a.seq)) firsts.push(a.seq);
      assert.deepEqual(firsts, Array.from({ length: expected }, (_, i) => i + 1), `order of ${u}`);
    }
    const repeats = hook.accepted.length - idOf.size;
    const status = await (await fetch(`${node.base}/admin/api/webhooks`)).json();
    const s = status.webhooks[0];
    assert.equal(s.url, `http://127.0.0.1:${hook.port}/hook`);
    assert.ok(!JSON.stringify(status).includes('MfKQ9r8'), 'the secret is shown');
    await eventually(async () => (await (await fetch(`${node.base}/admin/api/webhooks`)).json()).webhooks[0].queued === 0,
      10_000, () => 'queue never emptied');
    const metrics = await (await fetch(`${node.base}/metrics`)).text();
    assert.match(metrics, /cohort_webhook_delivered_total\{url="http:\/\/127\.0\.0\.1:\d+\/hook"\} \d+/);
    console.log(`webhooks: ${idOf.size} changes delivered to ${users.length} profiles, ${repeats} repeats ` +
      `(same ids), ${hook.requests} requests; after the restart: failures ${s.failures}, breaker ${s.breaker}`);
  } finally {
    await killNode(node, 'SIGTERM');
    await hook.stop();
    if (!process.env.COHORT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
});

/** Ingests `users` × 6 events with 4 concurrent senders; returns events/s and the time
 * until `hook` accepted every change. */
async function ingestRun(hooks, hook, users) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cohort-webhooks-perf-'));
  const node = await startNode(dir, baseConfig(hooks));
  try {
    const events = 6;
    const started = Date.now();
    const chunks = 4;
    const per = Math.ceil(users.length / chunks);
    await Promise.all(Array.from({ length: chunks }, (_, c) => sendEvents(node, users.slice(c * per, (c + 1) * per), 1, events)));
    const ingestMs = Date.now() - started;
    const expected = users.length * changesFor(events);
    await eventually(() => new Set(hook.accepted.map((a) => a.id)).size >= expected, 120_000,
      () => `${hook.accepted.length}/${expected} accepted`);
    const deliveredMs = Date.now() - started;
    return { eventsPerS: (users.length * events) / (ingestMs / 1000), deliveredMs, deliveriesPerS: expected / (deliveredMs / 1000) };
  } finally {
    await killNode(node, 'SIGTERM');
    if (!process.env.COHORT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  }
}

test('a destination that never answers slows neither ingest nor the other destination', async () => {
  const users = (tag) => Array.from({ length: 3000 }, (_, i) => `perf-${tag}-${i}-${process.pid}`);
  const hole = await blackHole();
  // Alternating runs, best of two each: one short run on a shared 2-core machine is noise.
  const runs = { alone: [], beside: [] };
  try {
    for (let round = 0; round < 2; ++round) {
      for (const mode of ['alone', 'beside']) {
        const good = receiver();
        await good.start();
        const hooks = mode === 'alone' ? [{ port: good.port }] : [{ port: good.port }, { port: hole.port, extra: 'timeout: 30s' }];
        runs[mode].push(await ingestRun(hooks, good, users(`${mode}${round}`)));
        assert.deepEqual(good.badSignatures, []);
        await good.stop();
      }
    }
  } finally {
    hole.close();
  }
  const best = (rs) => ({ eventsPerS: Math.max(...rs.map((r) => r.eventsPerS)), deliveredMs: Math.min(...rs.map((r) => r.deliveredMs)),
    deliveriesPerS: Math.max(...rs.map((r) => r.deliveriesPerS)) });
  const alone = best(runs.alone);
  const beside = best(runs.beside);
  console.log(`ingest alone ${alone.eventsPerS.toFixed(0)} events/s, beside a dead destination ${beside.eventsPerS.toFixed(0)} events/s; ` +
    `good destination complete after ${alone.deliveredMs} ms vs ${beside.deliveredMs} ms ` +
    `(${alone.deliveriesPerS.toFixed(0)} vs ${beside.deliveriesPerS.toFixed(0)} deliveries/s)`);
  // Relative bounds, loose enough for a shared 2-core machine: a dead destination that
  // blocked anything would make these several times slower, not a few percent.
  assert.ok(beside.eventsPerS >= 0.5 * alone.eventsPerS, 'ingest slowed by the dead destination');
  assert.ok(beside.deliveredMs <= 2 * alone.deliveredMs + 2000, 'the good destination slowed by the dead one');
});
