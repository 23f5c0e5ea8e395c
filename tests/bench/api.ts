// Benchmark: the dashboard query (50 cases with reporters, per-product impact,
// scores, team, next update due) under concurrent load, against a bare
// graphql-yoga `{ hello }` server and a trivial `{ __typename }` (without and
// with a token) on our server, same run, on PGlite and on PostgreSQL, for each
// case count asked. The load generator runs in its own process. Prints
// throughput, latency, SQL statements per request and the ratios.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp, createLogger } from '@psirt/api';
import { applyMigrations, issueUserToken } from '@psirt/db';
import { createSchema, createYoga } from 'graphql-yoga';
import { benchTargets, type Target } from '../support/bench-targets.ts';
import { DASHBOARD_QUERY, seedDashboard } from '../support/dashboard.ts';
import type { LoadResult } from '../support/load.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    cases: { type: 'string', default: '200' },
    page: { type: 'string', default: '50' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- api [--duration s] [--connections n] [--cases n[,n…]] [--page n] [--only pglite|postgres]

Runs a bare graphql-yoga { hello }, then on one server per database and case
count: { __typename } without and with a token, and the dashboard query.
Prints requests/s, latency p50/p99, SQL statements per request, and the ratios
to bare yoga. --cases 200,20000 runs both sizes (20,000 takes a minute to load).
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const duration = Number(opts.duration);
const connections = Number(opts.connections);
const page = Number(opts.page);
const caseCounts = String(opts.cases).split(',').map(Number);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

let statements = 0;
const onQuery = () => {
  statements += 1;
};

/** autocannon in a child process, so the server measured has its event loop to itself. */
function load(url: string, body: string, token?: string): Promise<LoadResult> {
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
      connections,
      duration,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  });
}

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
    const analyst = await db.prisma.user.create({
      data: { email: 'bench-analyst@bench.example', name: 'Bench', roles: ['ANALYST'] },
    });
    const { secret } = await issueUserToken(db.prisma, { userId: analyst.id, name: 'bench' });
    let loaded = 0;
    for (const cases of caseCounts) {
      log(`${target.name}: loading cases up to ${cases}…`);
      await seedDashboard(db.prisma, cases - loaded);
      loaded = cases;
      const app = buildApp({ db, log: createLogger('silent'), graphiql: false });
      const url = await app.listen(0, '127.0.0.1');
      const dashboardBody = JSON.stringify({ query: DASHBOARD_QUERY, variables: { first: page } });
      const check = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: dashboardBody,
      });
      const checked = (await check.json()) as { errors?: unknown; data?: { cases: { edges: unknown[] } } };
      if (checked.errors || checked.data?.cases.edges.length !== page) {
        throw new Error(`the dashboard query failed: ${JSON.stringify(checked.errors)}`);
      }
      const trivialBody = JSON.stringify({ query: '{ __typename }' });
      log(`${target.name} (${cases} cases): { __typename } without and with a token, then the dashboard…`);
      const anonymous = await load(url, trivialBody);
      const trivial = await load(url, trivialBody, secret);
      const before = statements;
      const dash = await load(url, dashboardBody, secret);
      const perRequest = dash.total ? (statements - before) / dash.total : 0;
      await app.stop();
      const name = `${target.name} ${cases}`.padEnd(16);
      rows.push(`${name} { __typename }          ${fmt(anonymous)}  ${ofBare(anonymous)}`);
      rows.push(`${name} { __typename } + token  ${fmt(trivial)}  ${ofBare(trivial)}`);
      rows.push(`${name} dashboard               ${fmt(dash)}  ${ofBare(dash)}  SQL/request ${perRequest.toFixed(1)}`);
      rows.push(`${name} ratio dashboard / { __typename } + token: ${(dash.rps / trivial.rps).toFixed(3)}`);
    }
  } finally {
    await drop();
    await db.close().catch(() => {});
  }
}
process.stdout.write(`\napi benchmark — ${connections} connections, ${duration}s per run, page of ${page} cases\n`);
process.stdout.write(`bare graphql-yoga { hello }      ${fmt(bare)}\n`);
for (const r of rows) process.stdout.write(`${r}\n`);
process.exit(0);
