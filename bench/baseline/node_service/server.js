'use strict';
// Baseline 3 of issue 6: what a team builds by hand instead of Cohort. A Node.js service
// accepts Segment /v1/batch requests (Basic auth write key, JSON body, gzip allowed), runs
// bench/baseline/cohort_update.lua in Redis once per event (one pipeline per request,
// EVALSHA through ioredis' defineCommand) and answers 200 only after Redis replied for
// every event. One process, one Redis connection: the usual first version.
//
//   node server.js --redis-port P [--port 0] [--write-key bench-key] [--threshold 3] [--ttl 1800]
//
// Prints `node_service listening on http://127.0.0.1:PORT` once Redis is ready and the
// port is open (bench/run.sh waits for that line). Failures answer as Cohort does: 401 bad
// key, 400 bad body, 413 too large, 500 when Redis failed (the client may retry); a Redis
// that cannot be reached at start exits 1 after 5 s.

const fs = require('fs');
const http = require('http');
const path = require('path');
const zlib = require('zlib');
const Redis = require('ioredis');

const maxBodyBytes = 1024 * 1024;

function parseArgs(argv) {
  const opts = { port: 0, redisPort: 0, writeKey: 'bench-key', threshold: 3, ttl: 1800 };
  const names = { '--port': 'port', '--redis-port': 'redisPort', '--write-key': 'writeKey',
                  '--threshold': 'threshold', '--ttl': 'ttl' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = names[argv[i]];
    if (!name || i + 1 >= argv.length) {
      return { error: `unknown flag or missing value: ${argv[i]}` };
    }
    opts[name] = name === 'writeKey' ? argv[i + 1] : Number(argv[i + 1]);
    if (name !== 'writeKey' && !Number.isInteger(opts[name])) {
      return { error: `${argv[i]} needs an integer, got ${argv[i + 1]}` };
    }
  }
  if (!opts.redisPort) return { error: '--redis-port is required' };
  return { opts };
}

/** The script's event type for a Segment message, or null for one without a user. */
function toUpdate(msg) {
  const user = msg.userId || msg.anonymousId;
  if (typeof user !== 'string' || user === '') return null;
  let kind = msg.type;
  if (msg.type === 'track') {
    kind = msg.event === 'Product Viewed' ? 'product_view'
      : msg.event === 'Product Added' ? 'cart_add' : String(msg.event);
  }
  const ts = Date.parse(msg.timestamp);
  return { key: `u:${user}`, kind: String(kind), ts: Number.isNaN(ts) ? Date.now() : ts };
}

/** Reads the whole body (at most maxBodyBytes, gunzipped when so encoded): Buffer or an HTTP status. */
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => resolve(400));
    req.on('end', () => {
      if (tooLarge) return resolve(413);
      const body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] !== 'gzip') return resolve(body);
      zlib.gunzip(body, { maxOutputLength: maxBodyBytes }, (err, out) => resolve(err ? 400 : out));
    });
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handle(redis, opts, req, res) {
  if (req.method !== 'POST' || req.url !== '/v1/batch') return answer(res, 404, { error: 'not found' });
  const body = await readBody(req);
  if (typeof body === 'number') return answer(res, body, { error: 'unreadable body' });
  let doc;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return answer(res, 400, { error: `invalid JSON: ${err.message}` });
  }
  const expected = 'Basic ' + Buffer.from(`${opts.writeKey}:`).toString('base64');
  if (req.headers.authorization !== expected && (!doc || doc.writeKey !== opts.writeKey)) {
    return answer(res, 401, { error: 'unknown write key' });
  }
  if (!doc || !Array.isArray(doc.batch)) return answer(res, 400, { error: 'body needs a batch array' });
  const updates = doc.batch.map(toUpdate);
  if (updates.some((u) => u === null)) return answer(res, 400, { error: 'every message needs userId or anonymousId' });
  const pipeline = redis.pipeline();
  for (const u of updates) pipeline.cohortUpdate(u.key, u.kind, u.ts, opts.threshold, opts.ttl);
  const results = await pipeline.exec();
  const failed = results.find(([err]) => err);
  if (failed) return answer(res, 500, { error: `redis: ${failed[0].message}` });
  return answer(res, 200, { success: true });
}

function main() {
  const { opts, error } = parseArgs(process.argv.slice(2));
  if (error) {
    console.error(`node_service: ${error}`);
    process.exit(2);
  }
  // Requests fail with a 500 after one retry instead of queueing behind a lost Redis.
  const redis = new Redis({ host: '127.0.0.1', port: opts.redisPort, maxRetriesPerRequest: 1 });
  redis.defineCommand('cohortUpdate', {
    numberOfKeys: 1,
    lua: fs.readFileSync(path.join(__dirname, '..', 'cohort_update.lua'), 'utf8'),
  });
  redis.on('error', (err) => console.error(`node_service: redis: ${err.message}`));
  const startDeadline = setTimeout(() => {
    console.error('node_service: redis not ready after 5 s');
    process.exit(1);
  }, 5000);

  const server = http.createServer((req, res) => {
    handle(redis, opts, req, res).catch((err) => answer(res, 500, { error: String(err.message || err) }));
  });
  redis.once('ready', () => {
    clearTimeout(startDeadline);
    server.listen(opts.port, '127.0.0.1', () => {
      console.log(`node_service listening on http://127.0.0.1:${server.address().port}`);
    });
  });
  process.on('SIGTERM', () => {
    server.close();
    redis.disconnect();
    process.exit(0);
  });
}

main();
