// Benchmark: CVSS parse + score per second on one core (this process is
// single-threaded), ours beside ae-cvss-calculator (the reference the unit
// tests cross-check against) on the same vectors in the same run.
import { parseArgs } from 'node:util';
import {
  CVSS2,
  CVSS31,
  CVSS40,
  scoreCvss,
  scoreCvss2,
  scoreCvss31,
  scoreCvss40,
  type VectorGrammar,
} from '@psirt/schema';
import ae from 'ae-cvss-calculator';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    duration: { type: 'string', default: '2' },
    vectors: { type: 'string', default: '10000' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- cvss [--duration s] [--vectors n]

Scores a pool of random vectors (70% base only, the rest with temporal/threat
and environmental metrics, some out of order) for --duration seconds per
implementation and version; prints vectors/s and the ratio to the reference.
`);
  process.exit(0);
}
const duration = Number(opts.duration) * 1000;
const poolSize = Number(opts.vectors);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function pool(g: VectorGrammar, seed: number): string[] {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: string[] = [];
  for (let k = 0; k < poolSize; k++) {
    const extended = next() < 0.3;
    const parts: string[] = [];
    g.metrics.forEach((m, i) => {
      if (i >= g.requiredCount && (!extended || next() > 0.3)) return;
      parts.push(`${m.key}:${(m.values[Math.floor(next() * m.values.length)] as readonly [string, string])[0]}`);
    });
    if (extended && next() < 0.3) parts.reverse();
    out.push(g.prefix + parts.join('/'));
  }
  return out;
}

/** Calls fn over the pool for `duration` ms after a warm-up; returns calls/s. */
function rate(vectors: string[], fn: (v: string) => number): number {
  let sink = 0;
  const run = (ms: number) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 1000; i++) sink += fn(vectors[(n + i) % vectors.length] as string);
      n += 1000;
      now = performance.now();
    }
    return (n / (now - start)) * 1000;
  };
  run(Math.min(500, duration / 2));
  const r = run(duration);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return r;
}

const { Cvss2, Cvss3P1, Cvss4P0 } = ae;
const cases = [
  {
    version: 'v3.1',
    vectors: pool(CVSS31, 31),
    ours: scoreCvss31,
    ref: (v: string) => new Cvss3P1(v).calculateScores().overall as number,
  },
  {
    version: 'v4.0',
    vectors: pool(CVSS40, 40),
    ours: scoreCvss40,
    ref: (v: string) => new Cvss4P0(v).calculateScores().overall as number,
  },
  {
    version: 'v2',
    vectors: pool(CVSS2, 2),
    ours: scoreCvss2,
    ref: (v: string) => new Cvss2(v).calculateScores().overall as number,
  },
];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
const rows: string[] = [];
for (const c of cases) {
  log(`${c.version}: ours…`);
  const ours = rate(c.vectors, (v) => c.ours(v).score);
  log(`${c.version}: through scoreCvss (version dispatch)…`);
  const dispatched = rate(c.vectors, (v) => scoreCvss(v).score);
  log(`${c.version}: reference…`);
  const ref = rate(c.vectors, c.ref);
  rows.push(
    `${c.version.padEnd(6)} ${fmt(ours)} ${fmt(dispatched)} ${fmt(ref)} ${(ours / ref).toFixed(1).padStart(8)}×`,
  );
}
process.stdout.write(
  `CVSS parse + score, vectors/s on one core (${poolSize} random vectors, ${duration / 1000} s each, node ${process.version})\n` +
    `version        ours  scoreCvss()    reference    ratio\n${rows.join('\n')}\n`,
);
