// A real cohortd for the node:test suites (real SDKs, the console and shop pages in
// Chromium): started on a free loopback port with its own config and data directory,
// stopped with SIGTERM; and cohort-kafka-mock for the cluster suites. Every wait has a
// deadline.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 20;
const READY_LINE = /^cohortd listening on http:\/\/127\.0\.0\.1:(\d+)$/m;
const MOCK_LINE = /^cohort-kafka-mock bootstrap (\S+)$/m;

/**
 * Resolves to the first capture of `line` once `proc` printed it on stdout (all of which
 * is passed to `describe(why)` with the reason on failure); rejects and kills `proc` when
 * it exits or stays silent for READY_TIMEOUT_MS first.
 */
function awaitLine(proc, line, name, describe) {
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${describe(why)}\nstdout:\n${out}`));
    };
    const timer = setTimeout(() => fail(`${name} printed no ready line in time`), READY_TIMEOUT_MS);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(line);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code, signal) => fail(`${name} exited early (code ${code}, signal ${signal})`));
    proc.on('error', (err) => fail(`cannot start ${name}: ${err.message}`));
  });
}

/** SIGTERM, SIGKILL after STOP_TIMEOUT_MS; resolves once `proc` exited. */
async function terminate(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts $COHORTD with `config` (YAML text) and `args` after its own --config, --listen
 * and --data (e.g. ['--node-id', 'n1', '--kafka', bootstrap]). Resolves to {proc, port,
 * base, dir, stderrPath, stderr()} once it printed its listening line; rejects with its
 * output when it exits or stays silent first.
 */
export async function startCohortd(config, prefix = 'cohort-node-', args = []) {
  const binary = process.env.COHORTD;
  assert.ok(binary, 'COHORTD must name the cohortd binary (ctest sets it)');
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const configPath = path.join(dir, 'cohort.yaml');
  writeFileSync(configPath, config);
  const stderrPath = path.join(dir, 'stderr.log');
  const stderrFd = openSync(stderrPath, 'a');
  const proc = spawn(binary,
    ['--config', configPath, '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), ...args],
    { stdio: ['ignore', 'pipe', stderrFd] });
  closeSync(stderrFd);
  const stderr = () => readFileSync(stderrPath, 'utf8');

  const port = Number(await awaitLine(proc, READY_LINE, 'cohortd', (why) =>
    `${why}\nstderr:\n${stderr()}`));
  proc.stdout.resume();  // keep draining so that the server never blocks on a full pipe
  return { proc, port, base: `http://127.0.0.1:${port}`, dir, stderrPath, stderr };
}

/** SIGTERM (SIGKILL after 15 s), then removes its directory unless $COHORT_KEEP_TMP. */
export async function stopCohortd(server) {
  if (!server) return;
  await terminate(server.proc);
  if (!process.env.COHORT_KEEP_TMP) rmSync(server.dir, { recursive: true, force: true });
}

/**
 * Starts $COHORT_KAFKA_MOCK (librdkafka's mock cluster with Cohort's topics). Its stdin
 * stays an open pipe (it reads fault commands there). Resolves to {proc, bootstrap,
 * output()} once it printed its bootstrap line.
 */
export async function startKafkaMock({ brokers = 3, topicPrefix = 'cohort', partitions = 8 } = {}) {
  const binary = process.env.COHORT_KAFKA_MOCK;
  assert.ok(binary, 'COHORT_KAFKA_MOCK must name the cohort-kafka-mock binary (ctest sets it)');
  const proc = spawn(binary,
    ['--brokers', String(brokers), '--topic-prefix', topicPrefix, '--partitions', String(partitions)],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => { out += chunk; });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => { err += chunk; });
  const output = () => `stdout:\n${out}\nstderr:\n${err}`;
  const bootstrap = await awaitLine(proc, MOCK_LINE, 'cohort-kafka-mock',
    (why) => `${why}\nstderr:\n${err}`);
  return { proc, bootstrap, output };
}

/** SIGTERM (SIGKILL after 15 s) to a process of startKafkaMock. */
export async function stopKafkaMock(mock) {
  if (!mock) return;
  await terminate(mock.proc);
}

/**
 * Polls GET /v1/profiles/{user} until it answers 200 and `pred(profile)` holds; fails
 * with the last answer and the server's stderr after `timeoutMs`.
 */
export async function waitForProfile(server, user, pred, timeoutMs = POLL_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
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
        `cohortd stderr:\n${server.stderr().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** eventCounts[type] of a profile, 0 when absent. */
export const eventCount = (profile, type) => (profile.eventCounts ?? {})[type] ?? 0;
