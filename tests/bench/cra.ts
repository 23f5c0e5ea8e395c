// Benchmark: CRA Art. 14 clocks with N open notifications (default 200), each
// on its own case with a product, a score, a mitigation and a CVE. Times the
// `craNotifications` list with every stage's clock, beside `cases(first: N)`
// over the same cases (the baseline, same run), and one tick of the scheduled
// check; counts the SQL statements of each.
import { parseArgs } from 'node:util';
import { buildApp, checkCraClocks, craSettings, createLogger } from '@psirt/api';
import { applyMigrations, issueUserToken } from '@psirt/db';
import { benchTargets, type Target } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    notifications: { type: 'string', default: '200' },
    runs: { type: 'string', default: '15' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- cra [--notifications n] [--runs k] [--only pglite|postgres]

Lists n open CRA notifications with their stages' clocks through GraphQL, beside
listing the same n cases (the baseline), and runs the scheduled CRA check once;
prints the median of k runs and the SQL statements each needs.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const n = Number(opts.notifications);
const runs = Number(opts.runs);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
let statements = 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function gql(url: string, token: string, query: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

/** Median time and statements of `fn` over the runs (after one warm-up). */
async function measure(fn: () => Promise<unknown>) {
  await fn();
  const times: number[] = [];
  let queries = 0;
  for (let i = 0; i < runs; i++) {
    const before = statements;
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
    queries = statements - before;
  }
  return { ms: median(times), queries };
}

const LIST = `{ craNotifications(open: true) { handle overdue next { stage dueAt dueLocal overdue }
  stages { stage ordinal dueAt dueLocal notYetDue overdue submittedAt } } }`;
const BASELINE = `{ cases(first: ${n}) { edges { node { publicId title state severity embargoUntil } } } }`;

const rows: string[] = [];
for (const target of benchTargets(opts.only, () => {
  statements += 1;
}) as Target[]) {
  let opened: Awaited<ReturnType<Target['open']>>;
  try {
    opened = await target.open();
  } catch (error) {
    rows.push(`${target.name.padEnd(11)} skipped: ${(error as Error).message}`);
    continue;
  }
  const { db, drop } = opened;
  try {
    log(`${target.name}: migrating, then ${n} cases with a notification each…`);
    await applyMigrations(db.adapter);
    const prisma = db.prisma;
    const analyst = await prisma.user.create({
      data: { email: 'a@bench.example', name: 'Analyst', roles: ['ANALYST'] },
    });
    const token = (await issueUserToken(prisma, { userId: analyst.id, name: 'bench' })).secret;
    const line = await prisma.productLine.create({ data: { key: 'bench', name: 'Bench line', markets: ['DE', 'FR'] } });
    const product = await prisma.product.create({
      data: { key: 'bench', name: 'Bench product', productLineId: line.id },
    });
    const now = new Date();
    for (let i = 0; i < n; i++) {
      await prisma.analysisCase.create({
        data: {
          publicId: `VAR-2026-${String(5000 + i)}`,
          title: `Bench case ${i}`,
          summary: 'Exploited in the wild.',
          severity: 'HIGH',
          severityScore: '8.8',
          impacts: { create: [{ productId: product.id, status: 'AFFECTED', affectedVersions: '<2.0' }] },
          mitigations: { create: [{ productId: product.id, kind: 'WORKAROUND', description: 'Block the port.' }] },
          scores: {
            create: [
              {
                kind: 'AVSS',
                version: 'V3_1',
                vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
                baseScore: '8.8',
                score: '8.8',
                severity: 'HIGH',
                productId: product.id,
              },
            ],
          },
          cveAssignments: { create: [{ cveId: `CVE-2026-${5000 + i}`, state: 'RESERVED' }] },
          craNotifications: {
            create: [
              {
                kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
                awareAt: new Date(now.getTime() - (i % 48) * 3_600_000),
                basis: 'Bench',
                memberState: 'DE',
                coordinator: 'CERT-Bund',
              },
            ],
          },
        },
      });
    }
    const app = buildApp({
      db,
      log: createLogger('silent'),
      releaseIntervalMs: 0,
      analyzeIntervalMs: 0,
      cra: { memberState: 'DE', checkIntervalMs: 0 },
      mail: { quiet: true },
      graphiql: false,
    });
    const url = await app.listen(0, '127.0.0.1');
    try {
      const baseline = await measure(() => gql(url, token, BASELINE));
      const list = await measure(() => gql(url, token, LIST));
      const settings = craSettings({ memberState: 'DE' });
      const tick = await measure(() =>
        checkCraClocks({
          db: prisma,
          now: () => new Date(),
          log: createLogger('silent'),
          settings,
          manufacturer: { name: 'Bench', contact: 'psirt@bench.example' },
        }),
      );
      rows.push(
        `${target.name.padEnd(11)} cases(first: ${n}) ${baseline.ms.toFixed(1)} ms (${baseline.queries} statements) · craNotifications ${list.ms.toFixed(1)} ms (${list.queries} statements, ${(list.ms / baseline.ms).toFixed(2)}× the baseline) · check tick ${tick.ms.toFixed(1)} ms (${tick.queries} statements)`,
      );
    } finally {
      await app.stop();
    }
  } finally {
    await drop();
  }
}
process.stdout.write(`CRA clocks, ${n} open notifications, median of ${runs} runs:\n${rows.join('\n')}\n`);
