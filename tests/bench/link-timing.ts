// Benchmark: does asking for a new status link tell, by its timing, whether the
// address is the report's? `requestReporterLink` is timed for the report's own
// address, another address and a report that does not exist, interleaved, on one
// server in its own process; prints each median and p90 and their ratios (aim:
// within 1.2×, the noise of the machine).
import { parseArgs } from 'node:util';
import { forkBenchServer } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: 'string', default: '60' },
    only: { type: 'string', default: 'pglite' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- link-timing [--rounds n] [--only pglite|postgres]

Times requestReporterLink for the report's own address, another address and an
unknown report, interleaved, n rounds; prints median and p90 of each and the
ratios to the matching address's.
`);
  process.exit(0);
}
const rounds = Number(opts.rounds);
const bench = await forkBenchServer<{ url: string }>(opts.only as string, { seed: true, submissionsPerHour: 100_000 });
const url = bench.ready.url;
const gql = async (query: string, variables: Record<string, unknown>) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
};
try {
  const sub = await gql(
    'mutation($i: SubmitVulnerabilityReportInput!) { submitVulnerabilityReport(input: $i) { publicId } }',
    {
      i: {
        title: 'Timing target',
        description: 'A report whose reporter gave an address.',
        reporter: { email: 'tia@example.org' },
      },
    },
  );
  const publicId = sub.data?.submitVulnerabilityReport.publicId as string;
  const ASK = 'mutation($r: String!, $e: String!) { requestReporterLink(reportId: $r, email: $e) }';
  const paths = {
    'the report’s address': { r: publicId, e: 'tia@example.org' },
    'another address': { r: publicId, e: 'mallory@example.net' },
    'no such report': { r: 'VSR-2026-9999', e: 'tia@example.org' },
  };
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let i = 0; i < rounds + 5; i++) {
    for (const [name, vars] of Object.entries(paths)) {
      const t = performance.now();
      const r = await gql(ASK, vars);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      if (i >= 5) ms[name]?.push(performance.now() - t);
    }
  }
  const at = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN;
  const base = at(ms['the report’s address'] ?? [], 0.5);
  process.stdout.write(`\nrequestReporterLink timing (${opts.only}, ${rounds} rounds, interleaved)\n`);
  for (const [name, xs] of Object.entries(ms)) {
    process.stdout.write(
      `  ${name.padEnd(22)} median ${at(xs, 0.5).toFixed(1)} ms  p90 ${at(xs, 0.9).toFixed(1)} ms  median ratio ${(at(xs, 0.5) / base).toFixed(2)}×\n`,
    );
  }
} finally {
  await bench.stop();
}
