// Benchmark: importing and matching N generated NVD API 2.0 records (default
// 50,000) against M components (default 5,000 in 50 product versions). Prints
// records/s for the import beside a baseline measured in the same run — the
// same number of bare rows written with createMany, what the database alone
// costs — then the matching time. The whole run should stay under 60 s.
import { parseArgs } from 'node:util';
import { importNvdRecords, importOsvRecords, matchInventory } from '@psirt/api';
import { applyMigrations } from '@psirt/db';
import { benchTargets, type Target } from '../support/bench-targets.ts';

const { values: opts } = parseArgs({
  args: process.argv.slice(2),
  options: {
    records: { type: 'string', default: '50000' },
    components: { type: 'string', default: '5000' },
    osv: { type: 'string', default: '100000' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npm run bench -- feeds [--records n] [--components m] [--osv k] [--only pglite|postgres]

Generates n NVD API 2.0 CVE records (1–3 CPE criteria each, version ranges,
10% AND configurations with a platform, 2% known exploited) and m components
in product versions of 100, imports the records (records/s, beside bare rows
written with createMany in the same run) and matches them all (time, matches).
Then k OSV records (default 100,000; 0: none; npm, PyPI and Maven packages,
ECOSYSTEM ranges, a third with a CVE alias) against m components named by
package URL only, imported (records/s beside bare rows) and matched.
PostgreSQL: DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/postgres.
`);
  process.exit(0);
}
const n = Number(opts.records);
const m = Number(opts.components);
const k = Number(opts.osv);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
const version = () => `${Math.floor(rand() * 5)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 30)}`;
const products = Array.from({ length: 2000 }, (_, i) => ({ vendor: `vendor${i % 400}`, product: `product${i}` }));

function record(i: number) {
  const criteria = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const p = pick(products);
    const [a, b] = [version(), version()].sort();
    return {
      vulnerable: true,
      criteria: `cpe:2.3:a:${p.vendor}:${p.product}:*:*:*:*:*:*:*:*`,
      versionStartIncluding: a,
      versionEndExcluding: b,
    };
  });
  const platform = rand() < 0.1;
  return {
    id: `CVE-2026-${String(100000 + i)}`,
    sourceIdentifier: 'cve@mitre.org',
    published: '2026-01-01T00:00:00.000',
    lastModified: '2026-06-01T00:00:00.000',
    ...(rand() < 0.02
      ? { cisaExploitAdd: '2026-02-01', cisaActionDue: '2026-02-22', cisaVulnerabilityName: `Vuln ${i}` }
      : {}),
    descriptions: [{ lang: 'en', value: `Generated vulnerability ${i} in a widely embedded component.` }],
    metrics: {
      cvssMetricV31: [
        {
          source: 'nvd@nist.gov',
          type: 'Primary',
          cvssData: {
            version: '3.1',
            vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
            baseScore: 9.8,
            baseSeverity: 'CRITICAL',
          },
        },
      ],
    },
    weaknesses: [{ source: 'nvd@nist.gov', type: 'Primary', description: [{ lang: 'en', value: 'CWE-787' }] }],
    configurations: [
      platform
        ? {
            operator: 'AND',
            nodes: [
              { operator: 'OR', negate: false, cpeMatch: criteria },
              {
                operator: 'OR',
                negate: false,
                cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*' }],
              },
            ],
          }
        : { nodes: [{ operator: 'OR', negate: false, cpeMatch: criteria }] },
    ],
    references: [
      { url: `https://example.org/advisories/${i}`, source: 'cve@mitre.org', tags: ['Third Party Advisory'] },
    ],
  };
}

const ECOSYSTEMS = [
  { ecosystem: 'npm', purl: (name: string) => `pkg:npm/${name}` },
  { ecosystem: 'PyPI', purl: (name: string) => `pkg:pypi/${name}` },
  { ecosystem: 'Maven', purl: (name: string) => `pkg:maven/org.example/${name}` },
] as const;
const packages = Array.from({ length: 3000 }, (_, i) => ({
  eco: ECOSYSTEMS[i % 3] as (typeof ECOSYSTEMS)[number],
  name: `pkg${i}`,
}));
const semverish = () => `${Math.floor(rand() * 5)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 30)}`;

function osvRecord(i: number) {
  const affected = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => {
    const p = pick(packages);
    const [a, b] = [semverish(), semverish()].sort();
    return {
      package: {
        ecosystem: p.eco.ecosystem,
        name: p.eco.ecosystem === 'Maven' ? `org.example:${p.name}` : p.name,
      },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: rand() < 0.3 ? '0' : a }, { fixed: b }] }],
    };
  });
  return {
    id: `GHSA-bench-${String(i).padStart(6, '0')}`,
    modified: '2026-06-01T00:00:00Z',
    published: '2026-01-01T00:00:00Z',
    ...(rand() < 0.33 ? { aliases: [`CVE-2025-${String(100000 + i)}`] } : {}),
    summary: `Generated OSV record ${i}`,
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected,
  };
}

const rows: string[] = [];
for (const target of benchTargets(opts.only)) {
  let opened: Awaited<ReturnType<Target['open']>>;
  try {
    opened = await target.open();
  } catch (error) {
    rows.push(`${target.name.padEnd(11)} skipped: ${(error as Error).message}`);
    continue;
  }
  const { db, drop } = opened;
  // Each database gets the same generated data: the generator starts over.
  seed = 42;
  const t0 = performance.now();
  try {
    await applyMigrations(db.adapter);
    log(`${target.name}: ${m} components in ${Math.ceil(m / 100)} product versions…`);
    const line = await db.prisma.productLine.create({ data: { key: 'bench', name: 'Bench' } });
    for (let v = 0; v < Math.ceil(m / 100); v++) {
      const product = await db.prisma.product.create({
        data: { key: `p${v}`, name: `Product ${v}`, productLineId: line.id },
      });
      const pv = await db.prisma.productVersion.create({ data: { productId: product.id, version: '1.0' } });
      await db.prisma.component.createMany({
        data: Array.from({ length: Math.min(100, m - v * 100) }, () => {
          const p = pick(products);
          const ver = version();
          return {
            productVersionId: pv.id,
            name: p.product,
            version: ver,
            cpe: `cpe:2.3:a:${p.vendor}:${p.product}:${ver}:*:*:*:*:*:*:*`,
          };
        }),
      });
      if (v % 5 === 0) {
        await db.prisma.component.create({
          data: {
            productVersionId: pv.id,
            name: 'linux',
            version: '6.1.0',
            cpe: 'cpe:2.3:o:linux:linux_kernel:6.1.0:*:*:*:*:*:*:*',
          },
        });
      }
    }
    const records = Array.from({ length: n }, (_, i) => record(i));

    log(`${target.name}: baseline, ${n} bare rows…`);
    const b0 = performance.now();
    for (let i = 0; i < n; i += 500) {
      await db.prisma.thirdPartyVulnerability.createMany({
        data: records.slice(i, i + 500).map((r) => ({ cveId: `BASE-${r.id}` })),
      });
    }
    const baseline = n / ((performance.now() - b0) / 1000);
    await db.prisma.thirdPartyVulnerability.deleteMany({ where: { cveId: { startsWith: 'BASE-' } } });

    log(`${target.name}: importing ${n} records…`);
    const i0 = performance.now();
    let shown = 0;
    const summary = await importNvdRecords(db.prisma, records, {
      progress: (done) => {
        if (done - shown >= n / 10 || done === n) {
          shown = done;
          log(`${target.name}:   ${done}/${n}`);
        }
      },
    });
    const importS = (performance.now() - i0) / 1000;
    if (summary.new !== n)
      throw new Error(`imported ${summary.new} of ${n}: ${JSON.stringify(summary.skipped.slice(0, 3))}`);
    log(`${target.name}: matching…`);
    const m0 = performance.now();
    const matched = await matchInventory(db.prisma);
    const matchS = (performance.now() - m0) / 1000;
    const total = (performance.now() - t0) / 1000;
    rows.push(
      `${target.name.padEnd(11)} import ${(n / importS).toFixed(0).padStart(6)} records/s (${importS.toFixed(1)} s; bare rows ${baseline.toFixed(0)}/s, ratio ${(n / importS / baseline).toFixed(2)})   match ${matchS.toFixed(1)} s: ${matched.evaluated} pairs evaluated, ${matched.created} assessments   whole run ${total.toFixed(1)} s`,
    );
    if (k > 0) rows.push(await osvRun(target.name, db.prisma, line.id));
  } finally {
    await drop();
    await db.close().catch(() => {});
  }
}
process.stdout.write(
  `\nfeeds: ${n} NVD records, ${m} components${k ? `; ${k} OSV records, ${m} package-URL components` : ''}\n${rows.join('\n')}\n`,
);
process.exit(0);

/** k OSV records against m components named by package URL only, in product versions of 100. */
async function osvRun(name: string, db: Parameters<typeof importOsvRecords>[0], productLineId: string) {
  log(`${name}: OSV: ${m} package-URL components…`);
  for (let v = 0; v < Math.ceil(m / 100); v++) {
    const product = await db.product.create({ data: { key: `osv${v}`, name: `OSV product ${v}`, productLineId } });
    const pv = await db.productVersion.create({ data: { productId: product.id, version: '1.0' } });
    await db.component.createMany({
      data: Array.from({ length: Math.min(100, m - v * 100) }, () => {
        const p = pick(packages);
        const ver = semverish();
        return { productVersionId: pv.id, name: p.name, version: ver, purl: `${p.eco.purl(p.name)}@${ver}` };
      }),
    });
  }
  const records = Array.from({ length: k }, (_, i) => ({ name: `osv-${i}`, json: osvRecord(i) }));
  log(`${name}: OSV: baseline, ${k} bare rows…`);
  const b0 = performance.now();
  for (let i = 0; i < k; i += 500) {
    await db.thirdPartyVulnerability.createMany({
      data: records.slice(i, i + 500).map((r) => ({ cveId: `BASE-${r.name}` })),
    });
  }
  const baseline = k / ((performance.now() - b0) / 1000);
  await db.thirdPartyVulnerability.deleteMany({ where: { cveId: { startsWith: 'BASE-' } } });
  log(`${name}: OSV: importing ${k} records…`);
  const i0 = performance.now();
  let shown = 0;
  const summary = await importOsvRecords(db, records, {
    summary: { new: 0, updated: 0, unchanged: 0, skipped: [], changed: [] },
    progress: (done) => {
      if (done - shown >= k / 10 || done === k) {
        shown = done;
        log(`${name}:   ${done}/${k}`);
      }
    },
  });
  const importS = (performance.now() - i0) / 1000;
  if (summary.new !== k)
    throw new Error(`OSV: imported ${summary.new} of ${k}: ${JSON.stringify(summary.skipped.slice(0, 3))}`);
  log(`${name}: OSV: matching…`);
  const m0 = performance.now();
  const matched = await matchInventory(db, { vulnerabilityIds: summary.changed });
  const matchS = (performance.now() - m0) / 1000;
  return `${name.padEnd(11)} OSV import ${(k / importS).toFixed(0).padStart(6)} records/s (${importS.toFixed(1)} s; bare rows ${baseline.toFixed(0)}/s, ratio ${(k / importS / baseline).toFixed(2)})   match ${matchS.toFixed(1)} s: ${matched.evaluated} pairs evaluated, ${matched.created} assessments, ${matched.unreadable.length} unreadable versions`;
}
