// Exploitation signals as their own feeds: CISA's KEV catalogue and FIRST's
// EPSS scores (fixtures written in their formats; EPSS gzipped as FIRST
// publishes it), applied to the CVEs held and to those imported later, and
// used to order the matches: known exploited first, then EPSS, then score.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { importFeedSources, importSbom, loadFeeds } from '@psirt/api';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { cveProblems, cveSchemasMissing } from '../support/cve.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, type World } from '../support/world.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const file = (name: string) => path.join(fixtures, name);
const json = (name: string) => JSON.parse(readFileSync(file(name), 'utf8')) as unknown;

let app: TestApp;
let w: World;
const scratch = mkdtempSync(path.join(tmpdir(), 'psirt-signals-'));
beforeAll(async () => {
  app = await startTestApp();
  w = await makeWorld(app);
  await app.db.prisma.product.create({
    data: { key: 'gateway-x', name: 'Gateway X', productLine: { connect: { key: 'grid' } } },
  });
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  rmSync(scratch, { recursive: true, force: true });
});

const ORDER = `{ componentAssessments(first: 50) { edges { node { vulnerability {
  cveId knownExploited epss epssPercentile topScore kev } } } } }`;

async function order() {
  const r = await w.analyst.gql(ORDER);
  expect(r.errors).toBeUndefined();
  const cves = r.data?.componentAssessments.edges.map(
    (e: { node: { vulnerability: { cveId: string } } }) => e.node.vulnerability.cveId,
  ) as string[];
  return [...new Set(cves)];
}

describe(`KEV and EPSS (${dialect})`, () => {
  it('marks known exploitation and EPSS on held CVEs and on CVEs imported later, and orders matches by them', async () => {
    await importSbom(app.db.prisma, 'gateway', '4.2.0', json('sbom/gateway-4.2.0.cdx.json'));
    await importSbom(app.db.prisma, 'rtu', '2.0', json('sbom/rtu-2.0.cdx.json'));
    await importFeedSources(app.db.prisma, await loadFeeds(file('nvd/page-1.json')));
    // NVD alone: its own KEV flag first, then by the highest base score.
    expect(await order()).toEqual(['CVE-2023-44487', 'CVE-2023-0286', 'CVE-2024-31497']);

    const gz = path.join(scratch, 'epss_scores-2026-12-01.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(file('epss/epss_scores-2026-12-01.csv'))));
    const sources = [...(await loadFeeds(file('kev/known_exploited_vulnerabilities.json'))), ...(await loadFeeds(gz))];
    expect(sources.map((s) => s.kind)).toEqual(['kev', 'epss']);
    const r = await importFeedSources(app.db.prisma, sources);
    expect(r.skipped).toEqual([
      { id: 'not-a-cve', reason: 'not a KEV entry: cveID: a CVE id' },
      { id: `${gz}:7`, reason: 'not "CVE-id,epss,percentile": CVE-2026-0001,2.5,0.1' },
    ]);

    const putty = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({ where: { cveId: 'CVE-2024-31497' } });
    expect(putty).toMatchObject({
      knownExploited: true,
      epss: 0.0123,
      epssPercentile: 0.78021,
      kev: {
        exploitAdd: '2026-11-30',
        actionDue: '2026-12-21',
        knownRansomwareCampaignUse: 'Unknown',
        name: "PuTTY NIST P-521 Private Key Recovery Vulnerability (test entry: not in CISA's catalogue)",
      },
    });
    // Known exploited first (by EPSS among them), then the rest by EPSS.
    expect(await order()).toEqual(['CVE-2023-44487', 'CVE-2024-31497', 'CVE-2023-0286']);

    // A CVE the catalogue and EPSS named before any record of it was held carries both when it comes.
    await importSbom(app.db.prisma, 'gateway-x', '1.0', {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [{ type: 'library', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' }],
    });
    await importFeedSources(app.db.prisma, await loadFeeds(file('osv/GHSA-35jh-r3h4-6jhm.json')));
    const lodash = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({
      where: { cveId: 'CVE-2021-23337' },
    });
    expect(lodash).toMatchObject({ knownExploited: true, epss: 0.02021 });
    expect(await order()).toEqual(['CVE-2023-44487', 'CVE-2021-23337', 'CVE-2024-31497', 'CVE-2023-0286']);
    // NVD's newer record of it, still without its own KEV flag, does not take KEV's word away.
    const page = json('nvd/page-1.json') as { vulnerabilities: { cve: { id: string; lastModified: string } }[] };
    for (const v of page.vulnerabilities)
      if (v.cve.id === 'CVE-2024-31497') v.cve.lastModified = '2026-12-02T00:00:00.000';
    writeFileSync(path.join(scratch, 'page-1b.json'), JSON.stringify(page));
    const again = await importFeedSources(app.db.prisma, await loadFeeds(path.join(scratch, 'page-1b.json')));
    expect(again.updated).toBe(1);
    expect(
      (await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({ where: { cveId: 'CVE-2024-31497' } }))
        .knownExploited,
    ).toBe(true);
  });

  it('matches CVE JSON 5 records by package URL and CPE with their versions, and keeps the CISA ADP’s SSVC and KEV', async () => {
    const record = json('cve5/CVE-2026-31337.json') as { dataVersion: string };
    // The fixture is a record as cvelistV5 holds them: valid against the official schema (read as 5.0).
    if (!cveSchemasMissing) expect(cveProblems('record', { ...record, dataVersion: '5.0' })).toEqual([]);
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        ...['2.3.0', '2.3.1', '3.0.3', '3.0.4'].map((v) => ({
          type: 'library',
          name: 'libfoo',
          version: v,
          purl: `pkg:npm/libfoo@${v}`,
        })),
        ...['5.1', '5.3'].map((v) => ({
          type: 'firmware',
          name: 'foo-appliance',
          version: v,
          cpe: `cpe:2.3:h:example:foo_appliance:${v}:*:*:*:*:*:*:*`,
        })),
      ],
    };
    const sbom = await importSbom(app.db.prisma, 'gateway-x', '2.0', bom);
    const r = await importFeedSources(app.db.prisma, await loadFeeds(file('cve5')));
    expect(r).toMatchObject({ new: 1, skipped: [] });
    const found = await app.db.prisma.componentAssessment.findMany({
      where: { component: { productVersionId: sbom.productVersionId } },
      select: { component: { select: { name: true, version: true } } },
    });
    expect(found.map((f) => `${f.component.name}@${f.component.version}`).sort()).toEqual([
      'foo-appliance@5.1',
      'libfoo@2.3.0',
      'libfoo@3.0.3',
    ]);
    const v = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({ where: { cveId: 'CVE-2026-31337' } });
    expect(v).toMatchObject({ knownExploited: true, kev: { exploitAdd: '2026-11-20' }, cwes: ['CWE-22'] });
    expect(v.advisories).toEqual([
      expect.objectContaining({
        publisherName: 'CVE (examplevendor)',
        unmatchable: ['Example Foo Cloud'],
        ssvc: { Exploitation: 'active', Automatable: 'yes', 'Technical Impact': 'partial' },
        metrics: [expect.objectContaining({ vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:H', baseScore: 8.1 })],
      }),
    ]);
    expect(Number(v.topScore)).toBe(8.1);
  });

  it('fetches OSV exports, the KEV catalogue and EPSS scores on a schedule when PSIRT_FEED_URLS lists them', async () => {
    const routes: Record<string, Buffer> = {
      '/osv/npm/all.zip': Buffer.from(
        zipSync({ 'GHSA-35jh-r3h4-6jhm.json': readFileSync(file('osv/GHSA-35jh-r3h4-6jhm.json')) }),
      ),
      '/kev.json': readFileSync(file('kev/known_exploited_vulnerabilities.json')),
      '/epss_scores-current.csv.gz': gzipSync(readFileSync(file('epss/epss_scores-2026-12-01.csv'))),
    };
    const server = createServer((req, res) => {
      const body = routes[req.url ?? ''];
      res.writeHead(body ? 200 : 404).end(body ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await using scheduled = await startTestApp({
        feeds: { urls: { urls: Object.keys(routes).map((p) => `${origin}${p}`), intervalMs: 3_600_000 } },
      });
      const started = Date.now();
      for (;;) {
        const v = await scheduled.db.prisma.thirdPartyVulnerability.findUnique({ where: { cveId: 'CVE-2021-23337' } });
        if (v?.epss) {
          expect(v).toMatchObject({ knownExploited: true, epss: 0.02021 });
          break;
        }
        if (Date.now() - started > 20_000) throw new Error('the scheduled feed read imported nothing');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
