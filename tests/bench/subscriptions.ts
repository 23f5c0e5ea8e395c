// Benchmark: N WebSocket subscribers (default 5,000) of `caseUpdated` receive
// one case update. Prints p50/p99/max delivery latency — from the moment the
// mutation is sent to the moment each subscriber's message arrives — for one
// subscriber (the baseline, same run) and for N, their ratio, and the
// server's RSS before and after. The server runs in its own process.
// `--via redis`: subscribers on instance B, the mutation sent to instance A,
// both on one PostgreSQL database, the update going through Redis.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { replyFrom, throwawayPgDatabase } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    subscribers: { type: 'string', default: '5000' },
    updates: { type: 'string', default: '5' },
    via: { type: 'string', default: 'memory' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help || !['memory', 'redis'].includes(opts.via)) {
  process.stdout.write(`usage: npm run bench -- subscriptions [--subscribers n] [--updates k] [--via memory|redis]

Opens n graphql-ws subscribers of caseUpdated on one API instance (in its own
process), sends k case updates one after the other, and prints the delivery
latency (p50, p99, max) with 1 subscriber (baseline) and with n, and the
server's RSS before and after.
  --via memory  one instance on in-memory PGlite, in-process pub/sub (default)
  --via redis   two instances on a PostgreSQL database (DATABASE_URL, or the
                local one), subscribers on B, mutations sent to A, through
                Redis (REDIS_URL, or redis://127.0.0.1:6379)
`);
  process.exit(opts.help ? 0 : 2);
}
const n = Number(opts.subscribers);
const updates = Number(opts.updates);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const serverScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/live-bench-server.ts');

interface Server {
  child: ChildProcess;
  url: string;
  token?: string;
  caseId?: string;
  stats(): Promise<{ rss: number; heap: number; listeners: number; sockets: number }>;
  stop(): Promise<void>;
}

function startServer(config: Record<string, unknown>): Promise<Server> {
  const child = fork(serverScript, [], {
    // tsx from this package (the repository root does not depend on it).
    execArgv: ['--import', import.meta.resolve('tsx/esm'), '--expose-gc'],
    env: { ...process.env, BENCH_SERVER: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <T>(key: string) => replyFrom<T>(child, key);
  return reply<{ url: string; token?: string; caseId?: string }>('ready').then((ready) => ({
    child,
    ...ready,
    async stats() {
      child.send('gc');
      await reply('gc');
      child.send('stats');
      return reply('stats');
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
    },
  }));
}

/** Subscribers speaking graphql-transport-ws directly: arrival is stamped before any parsing. */
class Subscribers {
  sockets: WebSocket[] = [];
  arrivals: number[] = [];

  async open(url: string, token: string, count: number) {
    const wsUrl = url.replace(/^http/, 'ws');
    for (let done = 0; done < count; ) {
      const batch = Math.min(250, count - done);
      await Promise.all(Array.from({ length: batch }, () => this.openOne(wsUrl, token)));
      done += batch;
      if (count > 1000 && done % 1000 === 0) log(`${done}/${count} subscribers connected`);
    }
  }

  private openOne(url: string, token: string) {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, 'graphql-transport-ws');
      ws.on('error', reject);
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"type":"next"') || text.includes('"type":"next"')) {
          this.arrivals.push(performance.now());
          return;
        }
        if (text.includes('connection_ack')) {
          ws.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: 'subscription { caseUpdated { publicId state updatedAt } }' },
            }),
          );
          this.sockets.push(ws);
          resolve();
        }
      });
    });
  }

  close() {
    for (const s of this.sockets) s.terminate();
    this.sockets = [];
  }
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** k updates one after the other; each waits until every subscriber has it. Latencies in ms. */
async function rounds(mutateUrl: string, token: string, caseId: string, subs: Subscribers, expected: number) {
  const latencies: number[] = [];
  let mutationMs = 0;
  for (let i = 0; i < updates; i++) {
    subs.arrivals = [];
    const t0 = performance.now();
    await gql(mutateUrl, token, 'mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }', {
      c: caseId,
      t: `bench update ${i}`,
    });
    mutationMs += performance.now() - t0;
    await waitFor(
      `update ${i} to reach ${expected} subscribers (have ${subs.arrivals.length})`,
      () => subs.arrivals.length >= expected,
    );
    for (const at of subs.arrivals) latencies.push(at - t0);
    await new Promise((r) => setTimeout(r, 200));
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    mutationMs: mutationMs / updates,
  };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const servers: Server[] = [];
let dropDatabase: (() => Promise<void>) | undefined;
try {
  let mutator: Server;
  let listener: Server;
  if (opts.via === 'redis') {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const database = await throwawayPgDatabase();
    dropDatabase = database.drop;
    const channelPrefix = `psirt-bench-${randomBytes(4).toString('hex')}:`;
    mutator = await startServer({
      database: { kind: 'postgres', url: database.url },
      seed: true,
      redisUrl,
      channelPrefix,
    });
    listener = await startServer({
      database: { kind: 'postgres', url: database.url },
      seed: false,
      redisUrl,
      channelPrefix,
    });
    servers.push(mutator, listener);
    log(`two instances on PostgreSQL through Redis (${redisUrl}): subscribers on B, mutations to A`);
  } else {
    mutator = await startServer({ database: { kind: 'pglite', dataDir: 'memory://' }, seed: true });
    listener = mutator;
    servers.push(mutator);
    log('one instance on in-memory PGlite, in-process pub/sub');
  }
  const token = mutator.token as string;
  const caseId = mutator.caseId as string;
  // Warm the server (JIT, connections, the caches of both instances) before measuring.
  const subs = new Subscribers();
  await subs.open(listener.url, token, 1);
  await waitFor('the first subscription', async () => (await listener.stats()).listeners >= 1);
  await rounds(mutator.url, token, caseId, subs, 1);
  const baseline = await rounds(mutator.url, token, caseId, subs, 1);
  const before = await listener.stats();
  const rssBefore = before.rss;

  log(`opening ${n} subscribers`);
  await subs.open(listener.url, token, n - 1);
  await waitFor(`${n} subscriptions on the server`, async () => (await listener.stats()).listeners >= n);
  const connected = await listener.stats();
  const rssConnected = connected.rss;
  log(`${n} subscribers; sending ${updates} updates`);
  listener.child.send('profile-start');
  const loaded = await rounds(mutator.url, token, caseId, subs, n);
  listener.child.send('profile-stop');
  const after = await listener.stats();
  const rssAfter = after.rss;
  subs.close();

  const rows = [
    ['', 'p50', 'p99', 'max', 'mutation'],
    ['1 subscriber (baseline)', ms(baseline.p50), ms(baseline.p99), ms(baseline.max), ms(baseline.mutationMs)],
    [`${n} subscribers`, ms(loaded.p50), ms(loaded.p99), ms(loaded.max), ms(loaded.mutationMs)],
  ];
  const width = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  process.stdout.write(
    `\nsubscriptions via ${opts.via}: delivery latency from the mutation's request, ${updates} updates\n`,
  );
  for (const r of rows) process.stdout.write(`  ${r.map((c, i) => c.padStart(width[i] ?? 0)).join('   ')}\n`);
  process.stdout.write(
    `  p99 ratio ${n} / 1: ${(loaded.p99 / baseline.p99).toFixed(1)}×   (target: p99 < 250 ms at 5,000)\n` +
      `  server RSS: ${mb(rssBefore)} before, ${mb(rssConnected)} with ${n} subscribers, ${mb(rssAfter)} after the updates ` +
      `(${((rssConnected - rssBefore) / n / 1024).toFixed(1)} KB per subscriber)\n` +
      `  server JS heap after GC: ${mb(before.heap)} before, ${mb(connected.heap)} with ${n} subscribers, ${mb(after.heap)} after the updates\n`,
  );
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  await dropDatabase?.().catch(() => {});
}
