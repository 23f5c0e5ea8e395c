// Benchmark: the dashboard query (50 cases with reporters, per-product impact,
// scores, team, next update due) under concurrent load, against a bare
// graphql-yoga `{ hello }` server and a trivial `{ __typename }` (without and
// with a token) on our server, same run, on PGlite and on PostgreSQL, for each
// case count asked. The load generators run in processes of their own; the
// dashboard is several analysts' (`--clients`), each with a token of their own,
// as the instance's per-client budget (server/budget.ts) holds one client to
// one dashboard page at a time. Prints throughput, latency, SQL statements and
// Node CPU per request, the ratios; with --soak, CPU/request and RSS minute by
// minute under constant load; and the idle RSS of `psirt start`.
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp, createLogger, schema } from '@psirt/api';
import { applyMigrations, type Database, issueUserToken } from '@psirt/db';
import { printSchema } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { benchTargets, type Target, throwawayPgDatabase } from '../support/bench-targets.ts';
import { startServer } from '../support/cli.ts';
import { DASHBOARD_QUERY, seedDashboard } from '../support/dashboard.ts';
import type { LoadResult } from '../support/load.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    cases: { type: 'string', default: '200' },
    page: { type: 'string', default: '50' },
    clients: { type: 'string', default: '8' },
    soak: { type: 'string', default: '0' },
    idle: { type: 'string', default: '60' },
    floor: { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- api [--duration s] [--connections n] [--clients n] [--cases n[,n…]]
                            [--page n] [--soak s] [--idle s] [--floor] [--only pglite|postgres]

Runs a bare graphql-yoga { hello }, then on one server per database and case
count: { __typename } without and with a token, and the dashboard query of
--clients analysts (default 8) sharing --connections (default 16). Prints
requests/s, latency p50/p99, SQL statements and Node CPU per request, and the
ratios to bare yoga. --cases 200,20000 runs both sizes (20,000 takes a minute
to load). --soak 600 then loads the dashboard for 600 s and prints CPU/request
and RSS minute by minute. --idle s: the RSS of \`psirt start\` (demo data) over
s seconds idle, every 10 s (default 60; 0 skips it): V8 gives memory back
some 20-30 s after the start's work. --floor: the same page from a graphql-yoga
on psirt's schema that holds the answer in memory (execution and serialization
only), and the ratio of the dashboard to it. Runs with NODE_ENV=production unless
set. PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const duration = Number(opts.duration);
const connections = Number(opts.connections);
const page = Number(opts.page);
const caseCounts = String(opts.cases).split(',').map(Number);
const clients = Math.max(1, Math.min(Number(opts.clients), connections));
const soak = Number(opts.soak);
const idleSeconds = Number(opts.idle);
const floor = opts.floor;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

let statements = 0;
const onQuery = () => {
  statements += 1;
};

/** autocannon in a child process, so the server measured has its event loop to itself. */
function load(url: string, body: string, token?: string, conns = connections, seconds = duration): Promise<LoadResult> {
  const child = fork(new URL('../support/load.ts', import.meta.url), [], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (r: LoadResult) => resolve(r));
    child.once('exit', (code) => code && reject(new Error(`the load generator exited (${code})`)));
    child.send({
      url,
      method: 'POST',
      connections: conns,
      duration: seconds,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  });
}

/**
 * The same body from each client's token at once, the connections shared out; the figures summed
 * (p50: the mean of the clients' weighted by requests; p99: the worst client's).
 */
async function loadAll(url: string, body: string, tokens: string[], seconds = duration): Promise<LoadResult> {
  const results = await Promise.all(
    tokens.map((t, i) =>
      load(url, body, t, Math.floor(connections / tokens.length) + (i < connections % tokens.length ? 1 : 0), seconds),
    ),
  );
  const total = results.reduce((n, r) => n + r.total, 0);
  return {
    rps: results.reduce((n, r) => n + r.rps, 0),
    total,
    errors: results.reduce((n, r) => n + r.errors, 0),
    p50: Math.round(results.reduce((n, r) => n + r.p50 * r.total, 0) / Math.max(1, total)),
    p99: Math.max(...results.map((r) => r.p99)),
  };
}

/** Node CPU (this process: the server's) and SQL statements per request while `run` loads it. */
async function measured(run: () => Promise<LoadResult>) {
  const before = statements;
  const cpu = process.cpuUsage();
  const r = await run();
  const used = process.cpuUsage(cpu);
  const n = Math.max(1, r.total);
  return { ...r, sqlPerRequest: (statements - before) / n, cpuMs: (used.user + used.system) / 1000 / n };
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(5)} ms  errors ${r.errors}`;

// The floor: graphql-yoga with a one-field schema, in this process as our server will be.
const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
  graphiql: false,
});
const bareServer = createServer(yoga);
await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', r));
log(`bare graphql-yoga { hello } for ${duration}s at ${connections} connections…`);
const bare = await load(
  `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/graphql`,
  JSON.stringify({ query: '{ hello }' }),
);
await new Promise((r) => bareServer.close(r));
const ofBare = (r: LoadResult) => `${(r.rps / bare.rps).toFixed(3)}× bare yoga`;

const targets = benchTargets(opts.only, onQuery);
const rows: string[] = [];
for (const target of targets) {
  let opened: Awaited<ReturnType<Target['open']>>;
  try {
    opened = await target.open();
  } catch (error) {
    log(`${target.name}: skipped (${(error as Error).message})`);
    rows.push(`${target.name.padEnd(11)} skipped: ${(error as Error).message}`);
    continue;
  }
  const { db, drop } = opened;
  try {
    log(`${target.name}: migrating…`);
    await applyMigrations(db.adapter);
    const tokens = await analystTokens(db, clients);
    let loaded = 0;
    for (const cases of caseCounts) {
      log(`${target.name}: loading cases up to ${cases}…`);
      await seed(db, cases - loaded);
      loaded = cases;
      const app = buildApp({ db, log: createLogger('silent'), graphiql: false });
      const url = await app.listen(0, '127.0.0.1');
      const dashboardBody = JSON.stringify({ query: DASHBOARD_QUERY, variables: { first: page } });
      const pageData = await checkDashboard(url, dashboardBody, tokens[0] as string);
      const trivialBody = JSON.stringify({ query: '{ __typename }' });
      log(`${target.name} (${cases} cases): { __typename } without and with a token, then the dashboard…`);
      const anonymous = await load(url, trivialBody);
      const trivial = await measured(() => load(url, trivialBody, tokens[0]));
      const dash = await measured(() => loadAll(url, dashboardBody, tokens));
      const name = `${target.name} ${cases}`.padEnd(16);
      rows.push(`${name} { __typename }          ${fmt(anonymous)}  ${ofBare(anonymous)}`);
      rows.push(
        `${name} { __typename } + token  ${fmt(trivial)}  ${ofBare(trivial)}  SQL/request ${trivial.sqlPerRequest.toFixed(1)}`,
      );
      rows.push(
        `${name} dashboard               ${fmt(dash)}  ${ofBare(dash)}  SQL/request ${dash.sqlPerRequest.toFixed(1)}  CPU/request ${dash.cpuMs.toFixed(1)} ms`,
      );
      rows.push(`${name} ratio { __typename } + token / bare yoga: ${(trivial.rps / bare.rps).toFixed(3)}`);
      rows.push(`${name} ratio dashboard / bare yoga: ${(dash.rps / bare.rps).toFixed(4)}`);
      if (floor) {
        const f = await floorRun(dashboardBody, pageData, tokens);
        rows.push(
          `${name} floor: yoga executing this page from memory ${fmt(f)}  ${ofBare(f)}  CPU/request ${f.cpuMs.toFixed(2)} ms`,
        );
        rows.push(`${name} ratio dashboard / floor: ${(dash.rps / f.rps).toFixed(3)}`);
      }
      if (soak > 0 && cases === caseCounts.at(-1)) rows.push(...(await soakRun(name, url, dashboardBody, tokens)));
      await app.stop();
    }
  } finally {
    await drop();
    await db.close().catch(() => {});
  }
}
if (idleSeconds > 0) rows.push(...(await idleRss()));
process.stdout.write(
  `\napi benchmark — ${connections} connections, ${clients} clients for the dashboard, ${duration}s per run, page of ${page} cases, NODE_ENV=${process.env.NODE_ENV}\n`,
);
process.stdout.write(`bare graphql-yoga { hello }      ${fmt(bare)}\n`);
for (const r of rows) process.stdout.write(`${r}\n`);
process.exit(0);

/**
 * The dashboard's cases, written from another process on PostgreSQL, so the
 * server's RSS (the soak's figure) is its own, not the seeding's.
 */
async function seed(db: Database, cases: number): Promise<void> {
  const config = db.adapter.config;
  if (config.kind !== 'postgres') return seedDashboard(db.prisma, cases);
  const child = fork(new URL('../support/seed-dashboard-child.ts', import.meta.url), [config.url, String(cases)], {
    execArgv: ['--import', import.meta.resolve('tsx/esm')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`seeding ${cases} cases failed (exit ${code})`);
}

async function analystTokens(db: Database, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const analyst = await db.prisma.user.create({
      data: { email: `bench-analyst-${i}@bench.example`, name: `Bench ${i}`, roles: ['ANALYST'] },
    });
    tokens.push((await issueUserToken(db.prisma, { userId: analyst.id, name: 'bench' })).secret);
  }
  return tokens;
}

async function checkDashboard(url: string, body: string, token: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const checked = (await res.json()) as { errors?: unknown; data?: { cases: { edges: unknown[] } } };
  if (checked.errors || !checked.data || checked.data.cases.edges.length !== page) {
    throw new Error(`the dashboard query failed: ${JSON.stringify(checked.errors)}`);
  }
  return checked.data;
}

/**
 * The floor under the dashboard: graphql-yoga with psirt's schema (its SDL,
 * default resolvers), answering the same document with the page psirt gave,
 * held in memory — GraphQL execution and serialization of the 83 KB answer,
 * without data access, authorization or audit. Same load, same process.
 */
async function floorRun(body: string, data: unknown, tokens: string[]) {
  const floorYoga = createYoga({
    schema: createSchema({
      typeDefs: printSchema(schema),
      resolvers: { Query: { cases: () => (data as { cases: unknown }).cases } },
    }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(floorYoga);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await measured(() =>
      loadAll(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, body, tokens),
    );
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/**
 * The dashboard under constant load for `soak` seconds, minute by minute: does
 * CPU per request or RSS grow? (The first minute includes warming up: the
 * compiled queries, V8's optimisations, the pools.)
 */
async function soakRun(name: string, url: string, body: string, tokens: string[]): Promise<string[]> {
  const lines: string[] = [];
  const minutes = Math.max(1, Math.round(soak / 60));
  log(`${name.trim()}: soak, ${minutes} × 60 s of dashboard load…`);
  const perMinute: { cpuMs: number; rps: number; rss: number; heap: number }[] = [];
  for (let m = 0; m < minutes; m++) {
    const r = await measured(() => loadAll(url, body, tokens, 60));
    // The JS heap in use (not collected first: the figure moves with the collector's rhythm).
    perMinute.push({ cpuMs: r.cpuMs, rps: r.rps, rss: rssMb(), heap: process.memoryUsage().heapUsed / 2 ** 20 });
    log(
      `  minute ${m + 1}: ${r.rps.toFixed(1)} req/s, CPU/request ${r.cpuMs.toFixed(1)} ms, RSS ${rssMb().toFixed(0)} MB`,
    );
  }
  for (const [i, m] of perMinute.entries()) {
    lines.push(
      `${name} soak minute ${String(i + 1).padStart(2)}: ${m.rps.toFixed(1).padStart(6)} req/s  CPU/request ${m.cpuMs.toFixed(1)} ms  RSS ${m.rss.toFixed(0)} MB  JS heap ${m.heap.toFixed(0)} MB`,
    );
  }
  const first = perMinute[0];
  const last = perMinute.at(-1);
  if (first && last && perMinute.length > 1) {
    const second = perMinute[1] ?? first;
    const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)} %`;
    lines.push(
      `${name} soak first → last minute: CPU/request ${first.cpuMs.toFixed(1)} → ${last.cpuMs.toFixed(1)} ms (${pct(first.cpuMs, last.cpuMs)}), RSS ${first.rss.toFixed(0)} → ${last.rss.toFixed(0)} MB (${pct(first.rss, last.rss)}); after the first minute: CPU/request ${pct(second.cpuMs, last.cpuMs)}, RSS ${pct(second.rss, last.rss)}`,
    );
  }
  return lines;
}

/** `psirt start` with its demo data, as `npm start` runs it: its RSS once it has been idle for a while. */
async function idleRss(): Promise<string[]> {
  const lines: string[] = [];
  for (const target of targets) {
    let database: { env: Record<string, string>; drop(): Promise<void> };
    if (target.name === 'PostgreSQL') {
      const pgdb = await throwawayPgDatabase().catch(() => null);
      if (!pgdb) continue;
      database = { env: { DATABASE_URL: pgdb.url }, drop: pgdb.drop };
    } else {
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = await mkdtemp(join(tmpdir(), 'psirt-bench-idle-'));
      database = { env: { PSIRT_DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
    }
    log(`${target.name}: psirt start, idle for ${idleSeconds}s…`);
    const server = await startServer({ ...database.env, NODE_ENV: process.env.NODE_ENV });
    try {
      const samples = [await processRss(server.child.pid)];
      for (let t = 10; t <= idleSeconds; t += 10) {
        await new Promise((r) => setTimeout(r, 10_000));
        samples.push(await processRss(server.child.pid));
      }
      lines.push(
        `${target.name.padEnd(16)} psirt start idle RSS: ${samples.at(-1)?.toFixed(0)} MB after ${idleSeconds}s (every 10 s from listening: ${samples.map((m) => m.toFixed(0)).join(', ')} MB)`,
      );
    } finally {
      await server.stop();
      await database.drop();
    }
  }
  return lines;
}

async function processRss(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}
