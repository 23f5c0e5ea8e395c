// OSV records against SBOMs that name components by package URL only, as
// real SBOMs do: fixtures written in the OSV schema (an npm ECOSYSTEM range,
// PyPI ranges that only PEP 440 orders right, a Maven range, a Go SEMVER
// range with v-prefixed versions, a GIT-only record, a withdrawn one), read
// as a directory, a JSON array and a zip, as `psirt feeds import` reads them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFeedSources, importSbom, loadFeeds } from '@psirt/api';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld } from '../support/world.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const json = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as unknown;

let app: TestApp;
const scratch = mkdtempSync(path.join(tmpdir(), 'psirt-osv-'));
beforeAll(async () => {
  app = await startTestApp();
  await makeWorld(app);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  rmSync(scratch, { recursive: true, force: true });
});

/** Every (product version, component, vulnerability) assessed, as lines. */
async function matched() {
  const rows = await app.db.prisma.componentAssessment.findMany({
    select: {
      component: { select: { name: true, version: true, productVersion: { select: { version: true } } } },
      vulnerability: { select: { cveId: true } },
    },
  });
  return rows
    .map(
      (r) =>
        `${r.component.productVersion.version} ${r.component.name}@${r.component.version} ${r.vulnerability.cveId}`,
    )
    .sort();
}

describe(`OSV records and package URLs (${dialect})`, () => {
  it('matches purl-only SBOMs by OSV ranges, each ecosystem in its own version order, and says what it cannot match', async () => {
    const a = await importSbom(app.db.prisma, 'bms', '8.0', json('sbom/purls-a.cdx.json'));
    const b = await importSbom(app.db.prisma, 'bms', '8.1', json('sbom/purls-b.cdx.json'));
    expect([a.added, b.added]).toEqual([6, 5]);

    // A directory of OSV files (one holding a JSON array of records), read as one source.
    const sources = await loadFeeds(path.join(fixtures, 'osv'));
    expect(sources.map((s) => [s.kind, s.kind === 'osv' ? s.records.length : 0])).toEqual([['osv', 6]]);
    const r = await importFeedSources(app.db.prisma, sources);
    expect({ new: r.new, updated: r.updated, unchanged: r.unchanged }).toEqual({ new: 6, updated: 0, unchanged: 0 });
    expect(r.skipped.map((s) => s.reason).sort()).toEqual([
      'GHSA-xxxx-withdrawn: withdrawn 2024-02-01T00:00:00Z; it matches nothing more',
      'OSS-Fuzz/libexample: only GIT ranges, which are not matched (commit ranges need the source repository), and no versions listed',
    ]);

    expect(await matched()).toEqual([
      // Django 5.0rc1 is in [5.0a1, 5.0.7) by PEP 440; Django 2.0 is 2.0.0, so not below it.
      '8.0 Django@5.0rc1 CVE-2024-38875',
      // Go's v-prefixed versions, in semver order.
      '8.0 golang.org/x/net@v0.15.0 GHSA-4v7x-pqxf-cx7m',
      '8.0 lodash@4.17.20 CVE-2021-23337',
      // The component keycloak's SBOM names: pkg:maven/log4j/log4j@1.2.17 (its ?type=jar qualifier does not matter).
      '8.0 log4j/log4j@1.2.17 CVE-2019-17571',
    ]);
    // A version PEP 440 cannot read is neither matched nor skipped in silence.
    const requests = await app.db.prisma.component.findFirstOrThrow({
      where: { name: 'requests', version: '2.x-custom' },
    });
    expect(r.matched.unreadable).toEqual([{ componentId: requests.id, version: '2.x-custom', scheme: 'PyPI' }]);

    // Keyed by the CVE alias: OSV's word is one entry of the CVE's record, beside NVD's and suppliers'.
    const lodash = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({
      where: { cveId: 'CVE-2021-23337' },
    });
    expect(lodash.cwes).toEqual(['CWE-77', 'CWE-94']);
    expect(lodash.advisories).toEqual([
      expect.objectContaining({
        publisher: 'https://osv.dev',
        trackingId: 'GHSA-35jh-r3h4-6jhm',
        url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-23337',
        metrics: [expect.objectContaining({ vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.2 })],
      }),
    ]);

    // The same records again, as osv.dev's zip: nothing changes.
    const zip = path.join(scratch, 'all.zip');
    const files = ['GHSA-35jh-r3h4-6jhm.json', 'PYSEC-2024-0001.json', 'GHSA-4v7x-pqxf-cx7m.json', 'records.json'];
    writeFileSync(zip, zipSync(Object.fromEntries(files.map((f) => [f, readFileSync(path.join(fixtures, 'osv', f))]))));
    const again = await importFeedSources(app.db.prisma, await loadFeeds(zip));
    expect({ new: again.new, updated: again.updated, unchanged: again.unchanged }).toEqual({
      new: 0,
      updated: 0,
      unchanged: 6,
    });
  });

  it('refuses what is not an OSV record, saying where and why', async () => {
    const bad = path.join(scratch, 'bad');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bad);
    writeFileSync(
      path.join(bad, 'one.json'),
      JSON.stringify({ id: 'X-1', modified: '2024-01-01T00:00:00Z', affected: 'everything' }),
    );
    const r = await importFeedSources(app.db.prisma, await loadFeeds(bad));
    expect(r.skipped).toEqual([
      {
        id: path.join(bad, 'one.json'),
        reason: 'not an OSV record: affected: Invalid input: expected array, received string',
      },
    ]);
    await expect(loadFeeds(path.join(scratch, 'missing.zip'))).rejects.toThrow();
    writeFileSync(path.join(scratch, 'broken.zip'), 'not a zip');
    await expect(loadFeeds(path.join(scratch, 'broken.zip'))).rejects.toThrow(/broken\.zip: not a readable zip file/);
  });

  it('keeps packages of other distributions apart: a deb criterion for debian-12 does not match debian-11’s', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: ['debian-12', 'debian-11'].map((distro) => ({
        type: 'library',
        name: `curl-${distro}`,
        version: '7.88.1-10',
        purl: `pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=${distro}`,
      })),
    };
    const sbom = await importSbom(app.db.prisma, 'bms', '9.0', bom);
    const record = {
      dataType: 'CVE_RECORD',
      dataVersion: '5.1',
      cveMetadata: { cveId: 'CVE-2026-41000', state: 'PUBLISHED', dateUpdated: '2026-11-01T00:00:00Z' },
      containers: {
        cna: {
          providerMetadata: { orgId: 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6', shortName: 'debian' },
          descriptions: [{ lang: 'en', value: 'curl in Debian 12 only.' }],
          affected: [
            {
              vendor: 'Debian',
              product: 'curl',
              packageURL: 'pkg:deb/debian/curl?distro=debian-12',
              versions: [{ version: '0', lessThan: '7.88.1-10+deb12u5', status: 'affected', versionType: 'custom' }],
            },
          ],
          references: [{ url: 'https://security-tracker.debian.org/tracker/CVE-2026-41000' }],
        },
      },
    };
    await importFeedSources(app.db.prisma, [
      { kind: 'cve5', name: 'inline', records: [{ name: 'inline', json: record }] },
    ]);
    const found = await app.db.prisma.componentAssessment.findMany({
      where: { component: { productVersionId: sbom.productVersionId } },
      select: { component: { select: { name: true } } },
    });
    expect(found.map((f) => f.component.name)).toEqual(['curl-debian-12']);
  });
});
