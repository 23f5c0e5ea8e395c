// Benchmark: does abuse of the GraphQL endpoint reach anyone else? `{ __typename }`
// latency measured alone, then while clients send the operations that froze the
// process before the operation limits (2,000 aliased CSAF documents in 100 KB,
// 500 aliased `cases(first: 50)`, 50-deep nesting, a 5,000-deep list literal)
// and the costliest operation the limits still allow, in a loop — same run,
// same server (its own process, so its event loop is its own).
import { parseArgs } from 'node:util';
import { forkBenchServer } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '10' },
    abusers: { type: 'string', default: '4' },
    only: { type: 'string', default: 'pglite' },
    'at-limit': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- abuse [--duration s] [--abusers n] [--only pglite|postgres] [--at-limit]

Measures { __typename } p50/p99 alone, then while n clients send abusive
operations in a loop; prints both, the ratio, and what the abusers got back.
--at-limit adds the costliest operation the limits still allow (30 aliased
cases(first: 50) with their timelines): load, not abuse, but it shows what a
client at the limits costs everyone else.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres (a throwaway database).
`);
  process.exit(0);
}
const duration = Number(opts.duration) * 1000;
const abusers = Number(opts.abusers);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
let nested = 'key';
for (let i = 0; i < 25; i++) nested = `products { productLine { ${nested} } }`;
const ABUSE: { name: string; query: string; staff: boolean }[] = [
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
];
const AT_LIMIT = [
  {
    name: 'at the limits: 30 aliased cases(first: 50)',
    query: aliases(30, 'cases(first: 50) { edges { node { publicId title timeline { type } } } }'),
    staff: true,
  },
];

async function post(url: string, query: string, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return body.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`;
}

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

const bench = await forkBenchServer<{ url: string; token: string }>(opts.only as string, { seed: true });
const server = { child: bench.child, ...bench.ready };
try {
  log(`server on ${server.url} (${opts.only}); warming up…`);
  await probe(server.url, Date.now() + 1000);
  log(`{ __typename } alone for ${duration / 1000} s…`);
  const alone = await probe(server.url, Date.now() + duration);

  log(`{ __typename } while ${abusers} clients loop the abusive operations…`);
  // BENCH_PROFILE=<file>: a CPU profile of the server during the abuse phase.
  server.child.send('profile-start');
  const until = Date.now() + duration;
  const answers = new Map<string, Map<string, number>>();
  const abuse = Array.from({ length: abusers }, async (_, k) => {
    for (let i = k; Date.now() < until; i++) {
      const ops = opts['at-limit'] ? [...ABUSE, ...AT_LIMIT] : ABUSE;
      const op = ops[i % ops.length] as (typeof ABUSE)[number];
      const code = await post(server.url, op.query, op.staff ? server.token : undefined).catch((e: Error) => e.message);
      const per = answers.get(op.name) ?? new Map<string, number>();
      per.set(code, (per.get(code) ?? 0) + 1);
      answers.set(op.name, per);
    }
  });
  const [underAbuse] = await Promise.all([probe(server.url, until), ...abuse]);
  server.child.send('profile-stop');

  const f = (x: number) => `${x.toFixed(1)} ms`;
  process.stdout.write(`
abuse benchmark (${opts.only}, ${abusers} abusers, ${duration / 1000} s each phase)
  { __typename } alone        n=${alone.n}  p50 ${f(alone.p50)}  p99 ${f(alone.p99)}
  { __typename } under abuse  n=${underAbuse.n}  p50 ${f(underAbuse.p50)}  p99 ${f(underAbuse.p99)}
  ratio p99 under abuse / alone: ${(underAbuse.p99 / alone.p99).toFixed(2)}×  (aim: within 3×)
  what the abusers got back:
${[...answers]
  .map(([name, codes]) => `    ${name.padEnd(44)} ${[...codes].map(([c, n]) => `${c} ×${n}`).join(', ')}`)
  .join('\n')}
`);
} finally {
  await bench.stop();
}
