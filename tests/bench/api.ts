// Benchmark: the dashboard query (50 cases with reporters, per-product impact,
// scores, team, next update due) under concurrent load, against a trivial
// `{ __typename }` on the same server in the same run, on PGlite and on
// PostgreSQL. Prints throughput, latency, SQL statements per request, ratio.
import { parseArgs } from 'node:util';
import { buildApp, createLogger } from '@psirt/api';
import { applyMigrations, issueUserToken } from '@psirt/db';
import autocannon from 'autocannon';
import { benchTargets, type Target } from '../support/bench-targets.ts';
import { DASHBOARD_QUERY, seedDashboard } from '../support/dashboard.ts';

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
  process.stdout.write(`usage: npm run bench -- api [--duration s] [--connections n] [--cases n] [--page n] [--only pglite|postgres]

Runs { __typename } and the dashboard query against one server per database,
prints requests/s, latency p50/p99, SQL statements per request, and the ratio.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const duration = Number(opts.duration);
const connections = Number(opts.connections);
const page = Number(opts.page);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

let statements = 0;
const onQuery = () => {
  statements += 1;
};

const targets = benchTargets(opts.only, onQuery);

function load(url: string, token: string, body: string): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    void instance;
  });
}

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
    log(`${target.name}: migrating and loading ${opts.cases} cases…`);
    await applyMigrations(db.adapter);
    await seedDashboard(db.prisma, Number(opts.cases));
    const analyst = await db.prisma.user.create({
      data: { email: 'bench-analyst@bench.example', name: 'Bench', roles: ['ANALYST'] },
    });
    const { secret } = await issueUserToken(db.prisma, { userId: analyst.id, name: 'bench' });
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
    log(`${target.name}: { __typename } for ${duration}s at ${connections} connections…`);
    const trivial = await load(url, secret, JSON.stringify({ query: '{ __typename }' }));
    log(`${target.name}: dashboard (${page} cases) for ${duration}s at ${connections} connections…`);
    const before = statements;
    const dash = await load(url, secret, dashboardBody);
    const perRequest = dash.requests.total ? (statements - before) / dash.requests.total : 0;
    await app.stop();
    const ratio = dash.requests.average / trivial.requests.average;
    const fmt = (r: autocannon.Result) =>
      `${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  errors ${r.errors + r.non2xx}`;
    rows.push(`${target.name.padEnd(11)} { __typename }  ${fmt(trivial)}`);
    rows.push(`${target.name.padEnd(11)} dashboard      ${fmt(dash)}  SQL/request ${perRequest.toFixed(1)}`);
    rows.push(`${target.name.padEnd(11)} ratio dashboard / trivial: ${ratio.toFixed(2)}`);
  } finally {
    await drop();
    await db.close().catch(() => {});
  }
}
process.stdout.write(`\napi benchmark — ${connections} connections, ${duration}s per run, page of ${page} cases\n`);
for (const r of rows) process.stdout.write(`${r}\n`);
process.exit(0);
