// Benchmark: does abuse of the GraphQL endpoint reach anyone else? `{ __typename }`
// latency measured alone, then in two phases, each against the same server (its
// own process, so its event loop is its own):
//   abuse  — anonymous and staff clients loop what froze the process before the
//            limits: 2,000 aliased CSAF documents in 100 KB, 500 aliased
//            cases(first: 50), 50-deep nesting, a 5,000-deep list literal, a 20 MB
//            body, 20 aliased __schema and an introspection three lists deep;
//   at the limits — staff clients loop pages the limits allow (6 aliased
//            cases(first: 50) with reporters and timelines): load, not abuse, but
//            what one heavy client costs everyone else.
// Prints p50/p99 of each phase, its ratio to the quiet one, and what each
// client got back (codes), so a phase's INTERNAL answers are seen.
import { parseArgs } from 'node:util';
import { forkBenchServer, runInOwnProcess } from '../support/bench-targets.ts';
import type { AbuseOp } from '../support/graphql-abusers.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    abusers: { type: 'string', default: '4' },
    only: { type: 'string', default: 'pglite' },
    phases: { type: 'string', default: 'abuse,limits' },
    cases: { type: 'string', default: '200' },
    'instance-budget': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- abuse [--duration s] [--abusers n] [--only pglite|postgres] [--phases abuse,limits] [--cases n]

Measures { __typename } p50/p99 alone, then while n clients loop the abusive
operations (abuse), then while n staff clients loop the heaviest pages the
limits allow (limits); prints each phase's p99 over the quiet one's (aim:
within 3×) and what the clients got back. --cases: cases seeded (default 200).
--instance-budget: the estimated cost running at once (PSIRT_INSTANCE_BUDGET).
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres (a throwaway database).
`);
  process.exit(0);
}
const duration = Number(opts.duration) * 1000;
const clients = Number(opts.abusers);
const phases = String(opts.phases).split(',');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
let nested = 'key';
for (let i = 0; i < 25; i++) nested = `products { productLine { ${nested} } }`;
let typeChain = 'name';
for (let i = 0; i < 3; i++) typeChain = `name fields { name type { ${typeChain} } }`;

const ABUSE: AbuseOp[] = [
  {
    name: '2,000 aliased csaf (100 KB)',
    query: aliases(2000, 'advisory(publicId: "SA-2026-0001") { csaf }'),
    staff: false,
  },
  {
    name: '500 aliased cases(first: 50)',
    query: aliases(500, 'cases(first: 50) { edges { node { publicId title } } }'),
    staff: true,
  },
  { name: '50-deep nesting', query: `{ productLines { ${nested} } }`, staff: true },
  {
    name: '5,000-deep list literal',
    query: `{ cvss(vector: ${'['.repeat(5000)}"x"${']'.repeat(5000)}) { score } }`,
    staff: false,
  },
  { name: '20 MB body (anonymous)', padBytes: 20 * 1024 * 1024, staff: false },
  {
    name: '20 aliased __schema (anonymous)',
    query: aliases(20, '__schema { types { name fields { name } } }'),
    staff: false,
  },
  { name: 'introspection 3 lists deep (anonymous)', query: `{ __schema { types { ${typeChain} } } }`, staff: false },
];
const AT_LIMIT: AbuseOp[] = [
  {
    name: '6 aliased cases(first: 50) with reporters and timelines',
    query: aliases(
      6,
      'cases(first: 50) { edges { node { publicId title reports { publicId reporter { name confidential } } timeline { type } } } }',
    ),
    staff: true,
  },
];

async function post(url: string, query: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  await res.text();
}

/** The clients, in a process of their own: their event loop is busy, the prober's must not be. */
const runClients = (job: { url: string; token: string; clients: number; until: number; ops: AbuseOp[] }) =>
  runInOwnProcess<Record<string, Record<string, number>>>(
    new URL('../support/graphql-abusers.ts', import.meta.url),
    job,
  );

async function probe(url: string, until: number) {
  const ms: number[] = [];
  while (Date.now() < until) {
    const t = performance.now();
    await post(url, '{ __typename }');
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? Number.NaN;
  return { n: ms.length, p50: at(0.5), p99: at(0.99) };
}

const bench = await forkBenchServer<{ url: string; token: string }>(opts.only as string, {
  seed: true,
  dashboardCases: Number(opts.cases),
  ...(opts['instance-budget'] ? { clientBudget: { total: Number(opts['instance-budget']) } } : {}),
});
const server = { child: bench.child, ...bench.ready };
const f = (x: number) => `${x.toFixed(1)} ms`;
try {
  log(`server on ${server.url} (${opts.only}, ${opts.cases} cases); warming up…`);
  await probe(server.url, Date.now() + 1000);
  log(`{ __typename } alone for ${duration / 1000} s…`);
  const alone = await probe(server.url, Date.now() + duration);
  const lines = [
    `abuse benchmark (${opts.only}, ${clients} clients, ${duration / 1000} s each phase)`,
    `  { __typename } alone              n=${alone.n}  p50 ${f(alone.p50)}  p99 ${f(alone.p99)}`,
  ];
  for (const [phase, ops] of [
    ['abuse', ABUSE],
    ['limits', AT_LIMIT],
  ] as const) {
    if (!phases.includes(phase)) continue;
    log(
      `{ __typename } while ${clients} clients loop the ${phase === 'abuse' ? 'abusive operations' : 'pages at the limits'}…`,
    );
    // BENCH_PROFILE=<file>: a CPU profile of the server during the first measured phase.
    server.child.send('profile-start');
    const until = Date.now() + duration;
    const answers = runClients({ url: server.url, token: server.token, clients, until, ops: [...ops] });
    const [during, got] = await Promise.all([probe(server.url, until), answers]);
    server.child.send('profile-stop');
    lines.push(
      `  { __typename } during ${phase.padEnd(7)}     n=${during.n}  p50 ${f(during.p50)}  p99 ${f(during.p99)}  ratio p99 ${(during.p99 / alone.p99).toFixed(2)}×  (aim: within 3×)`,
      ...Object.entries(got).map(
        ([name, codes]) =>
          `      ${name.padEnd(58)} ${Object.entries(codes)
            .map(([c, n]) => `${c} ×${n}`)
            .join(', ')}`,
      ),
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
} finally {
  await bench.stop();
}
