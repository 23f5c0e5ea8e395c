// Third-party CVEs: NVD API 2.0 pages and CycloneDX SBOMs (fixtures written
// in those formats, tests/fixtures/) imported into a real database, matched
// with version-range edge cases: inclusive and exclusive bounds, letter
// suffixes, CPE attributes, an AND configuration with a `vulnerable: false`
// platform, a malformed record, a stale copy, re-imports.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { importNvdRecords, importSbom, matchInventory, recordsOf, syncNvd } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { assessmentLines } from '../support/assessments.ts';
import { csafProblems } from '../support/csaf.ts';
import { dialect } from '../support/db.ts';
import { listening, liveWs } from '../support/live.ts';
import { makeWorld, type World } from '../support/world.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const json = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as unknown;
const page = (name: string) => recordsOf(json(`nvd/${name}`), name);

let app: TestApp;
let w: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const assessments = () => assessmentLines(app);

describe(`third-party CVE feeds and matching (${dialect})`, () => {
  it('imports NVD 2.0 records, skips a malformed one with its reason, and matches them against SBOM inventories', async () => {
    const gateway = await importSbom(app.db.prisma, 'gateway', '4.2.0', json('sbom/gateway-4.2.0.cdx.json'));
    expect(gateway).toMatchObject({ added: 5, kept: 0, removed: 0 });
    const rtu = await importSbom(app.db.prisma, 'rtu', '2.0', json('sbom/rtu-2.0.cdx.json'));
    expect(rtu).toMatchObject({ added: 4 });

    const first = await importNvdRecords(app.db.prisma, page('page-1.json'));
    expect(first).toMatchObject({ new: 3, updated: 0, unchanged: 0 });
    expect(first.skipped).toEqual([
      { id: 'CVE-2024-99999', reason: 'published: Invalid input: expected string, received undefined' },
    ]);

    const stored = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({
      where: { cveId: 'CVE-2023-44487' },
    });
    expect(stored).toMatchObject({
      knownExploited: true,
      kev: { exploitAdd: '2023-10-10', actionDue: '2023-10-31', name: 'HTTP/2 Rapid Reset Attack Vulnerability' },
      cwes: ['CWE-400'],
      publishedAt: new Date('2023-10-10T14:15:10.883Z'),
      metrics: [
        {
          source: 'nvd@nist.gov',
          type: 'Primary',
          version: '3.1',
          baseScore: 7.5,
          severity: 'HIGH',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
        },
      ],
    });

    expect(
      await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({
        where: { cveId: 'CVE-2023-0286' },
        select: { knownExploited: true, kev: true, cwes: true },
      }),
    ).toEqual({ knownExploited: false, kev: null, cwes: ['CWE-843'] });
    const matched = await matchInventory(app.db.prisma, { vulnerabilityIds: first.changed });
    expect(matched).toMatchObject({ matches: 4, created: 4 });
    expect(await assessments()).toEqual(
      [
        // 3.0.0 ≤ 3.0.7 < 3.0.8
        'gateway 4.2.0: openssl 3.0.7 CVE-2023-0286 IN_TRIAGE',
        // ≤ 1.25.2, and the criterion's sw_edition (open_source) agrees with the component's
        'gateway 4.2.0: nginx 1.25.1 CVE-2023-44487 IN_TRIAGE',
        // < 2.4.58 (exclusive)
        'rtu 2.0: apache/httpd 2.4.57 CVE-2023-44487 IN_TRIAGE',
        // putty AND Windows: only the RTU runs it on Windows; Windows itself is not affected
        'rtu 2.0: putty 0.79 CVE-2024-31497 IN_TRIAGE',
      ].sort(),
    );
    // 1.1.1w is after 1.1.1t (the range's exclusive end): the RTU's OpenSSL is not affected;
    // the gateway's putty 0.80 is in range, but the gateway does not run on Windows.
  });

  it('re-imports idempotently and incrementally by lastModified', async () => {
    const again = await importNvdRecords(app.db.prisma, page('page-1.json'));
    expect(again).toMatchObject({ new: 0, updated: 0, unchanged: 3, changed: [] });

    const second = await importNvdRecords(app.db.prisma, page('page-2.json'));
    // CVE-2023-0286 is newer; the CVE-2023-44487 copy is older than the one held.
    expect(second).toMatchObject({ new: 0, updated: 1, unchanged: 1 });
    const ssl = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({ where: { cveId: 'CVE-2023-0286' } });
    expect(ssl.description).toContain('(Updated.)');
    expect((ssl.metrics as { version: string }[]).map((m) => m.version)).toEqual(['4.0', '3.1']);
    const rapid = await app.db.prisma.thirdPartyVulnerability.findUniqueOrThrow({ where: { cveId: 'CVE-2023-44487' } });
    expect(rapid.knownExploited).toBe(true);
    // The old page again: older than what is held now, so nothing changes back.
    expect(await importNvdRecords(app.db.prisma, page('page-1.json'))).toMatchObject({ updated: 0, unchanged: 3 });
    expect((await matchInventory(app.db.prisma, { vulnerabilityIds: second.changed })).created).toBe(0);
  });

  it('replaces a version’s components on SBOM re-import, keeping the assessments that still apply', async () => {
    const nginx = await app.db.prisma.componentAssessment.findFirstOrThrow({
      where: { component: { name: 'nginx' }, vulnerability: { cveId: 'CVE-2023-44487' } },
    });
    await app.db.prisma.componentAssessment.update({
      where: { id: nginx.id },
      data: { state: 'EXPLOITABLE', rationale: 'HTTP/2 is on by default.' },
    });
    const sbom = json('sbom/gateway-4.2.0.cdx.json') as {
      components: { name: string; version: string; purl?: string; cpe?: string }[];
    };
    const ssl = sbom.components.find((c) => c.name === 'openssl') as (typeof sbom.components)[number];
    Object.assign(ssl, {
      version: '3.0.8',
      purl: 'pkg:generic/openssl@3.0.8',
      cpe: 'cpe:2.3:a:openssl:openssl:3.0.8:*:*:*:*:*:*:*',
    });
    const r = await importSbom(app.db.prisma, 'gateway', '4.2.0', sbom);
    expect(r).toMatchObject({ added: 1, kept: 4, removed: 1 });
    await matchInventory(app.db.prisma, { productVersionIds: [r.productVersionId] });
    const now = await assessments();
    expect(now).toContain('gateway 4.2.0: nginx 1.25.1 CVE-2023-44487 EXPLOITABLE');
    expect(now.filter((a) => a.includes('openssl'))).toEqual([]);
  });

  it('lists, assesses and escalates through GraphQL, known-exploited first, to those who answer for the product', async () => {
    const LIST = `query($states: [AssessmentState!]) { componentAssessments(first: 20, states: $states) { totalCount edges { node {
      id state product { key } vulnerability { cveId knownExploited } component { name version productVersion }
      supplierCvss { source version baseScore } avss { score severity } casePublicId } } } }`;
    const list = async (c: typeof w.analyst, states?: string[]) => {
      const r = await c.gql(LIST, { states });
      expect(r.errors).toBeUndefined();
      return r.data?.componentAssessments.edges.map((e: { node: unknown }) => e.node) as {
        id: string;
        product: { key: string };
        vulnerability: { cveId: string; knownExploited: boolean };
        state: string;
      }[];
    };
    const all = await list(w.analyst);
    expect(all.map((a) => a.vulnerability.knownExploited)).toEqual([true, true, false]);
    expect(all[2]).toMatchObject({ vulnerability: { cveId: 'CVE-2024-31497' }, supplierCvss: null, avss: null });
    // The grid line's Prime answers for the gateway and the RTU; the building line's for neither.
    expect((await list(w.gridPrime)).length).toBe(3);
    expect(await list(w.buildingPrime)).toEqual([]);
    const anonymous = await app.anonymous.gql('{ componentAssessments(first: 1) { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const httpd = all.find((a) => a.product.key === 'rtu' && a.vulnerability.cveId === 'CVE-2023-44487') as {
      id: string;
    };
    const ASSESS = `mutation($input: AssessComponentVulnerabilityInput!) { assessComponentVulnerability(input: $input) {
      state justification rationale avss { score severity } supplierCvss { baseScore } } }`;
    const noReason = await w.gridPrime.gql(ASSESS, { input: { id: httpd.id, state: 'NOT_AFFECTED' } });
    expect(noReason.errors?.[0]).toMatchObject({
      message: 'input.justification: NOT_AFFECTED needs a VEX justification',
      extensions: { code: 'VALIDATION' },
    });
    const notMine = await w.buildingPrime.gql(ASSESS, { input: { id: httpd.id, state: 'EXPLOITABLE' } });
    expect(notMine.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const assessed = await w.gridPrime.gql(ASSESS, {
      input: {
        id: httpd.id,
        state: 'EXPLOITABLE',
        rationale: 'HTTP/2 is on, but only on the maintenance port.',
        avssVector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      },
    });
    expect(assessed.data?.assessComponentVulnerability).toEqual({
      state: 'EXPLOITABLE',
      justification: null,
      rationale: 'HTTP/2 is on, but only on the maintenance port.',
      avss: { score: 6.5, severity: 'MEDIUM' },
      supplierCvss: { baseScore: 7.5 },
    });

    // Escalation: the PSIRT opens one case for both HTTP/2 matches.
    const rapid = all.filter((a) => a.vulnerability.cveId === 'CVE-2023-44487').map((a) => a.id);
    const ESCALATE = `mutation($ids: [String!]!, $caseId: String) { escalateAssessments(ids: $ids, caseId: $caseId) {
      publicId title impacts { product { key } } } }`;
    expect((await w.gridPrime.gql(ESCALATE, { ids: rapid })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const opened = await w.analyst.gql(ESCALATE, { ids: rapid });
    expect(opened.errors).toBeUndefined();
    const kase = opened.data?.escalateAssessments;
    expect(kase.title).toBe('Third-party: CVE-2023-44487');
    expect(kase.impacts.map((i: { product: { key: string } }) => i.product.key).sort()).toEqual(['gateway', 'rtu']);
    const putty = all.find((a) => a.vulnerability.cveId === 'CVE-2024-31497') as { id: string };
    const joined = await w.analyst.gql(ESCALATE, { ids: [putty.id], caseId: kase.publicId });
    expect(joined.data?.escalateAssessments.publicId).toBe(kase.publicId);
    const after = await w.analyst.gql(LIST);
    expect(
      after.data?.componentAssessments.edges.every(
        (e: { node: { casePublicId: string } }) => e.node.casePublicId === kase.publicId,
      ),
    ).toBe(true);
  });

  it('exports a product’s VEX as CSAF (valid csaf_vex) and as CycloneDX 1.5 (valid against its schema)', async () => {
    const csaf = await w.gridPrime.gql('{ productVex(product: "rtu", tlp: GREEN) }');
    expect(csaf.errors).toBeUndefined();
    const doc = csaf.data?.productVex;
    expect(await csafProblems(doc)).toEqual([]);
    expect(doc.document).toMatchObject({
      category: 'csaf_vex',
      tracking: { id: 'VEX-RTU' },
      distribution: { tlp: { label: 'GREEN' } },
    });
    // One set of TLP 2.0 names in the API; CSAF 2.0 itself speaks TLP 1.0, so CLEAR is labelled WHITE there.
    for (const [tlp, label] of [
      ['CLEAR', 'WHITE'],
      ['AMBER_STRICT', 'AMBER'],
      ['WHITE', 'WHITE'], // TLP 1.0's name is still taken on input
    ]) {
      const r = await w.gridPrime.gql(`{ productVex(product: "rtu", tlp: ${tlp}) }`);
      expect(r.errors, tlp).toBeUndefined();
      expect(r.data?.productVex.document.distribution.tlp.label, tlp).toBe(label);
    }
    const byCve = Object.fromEntries(doc.vulnerabilities.map((v: { cve: string }) => [v.cve, v]));
    expect(byCve['CVE-2023-44487']).toMatchObject({
      product_status: { known_affected: ['CSAFPID-rtu-2.0'] },
      remediations: [{ category: 'none_available', details: 'HTTP/2 is on, but only on the maintenance port.' }],
      scores: [{ cvss_v3: { baseScore: 6.5 }, products: ['CSAFPID-rtu-2.0'] }],
    });
    expect(byCve['CVE-2024-31497'].product_status).toEqual({ under_investigation: ['CSAFPID-rtu-2.0'] });

    const cdx = await w.gridPrime.gql('{ productVex(product: "rtu", format: CYCLONEDX) }');
    const bom = cdx.data?.productVex;
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot5);
    expect(await validator.validate(JSON.stringify(bom))).toBeNull();
    const httpd = bom.vulnerabilities.find((v: { id: string }) => v.id === 'CVE-2023-44487');
    expect(httpd).toMatchObject({
      analysis: { state: 'exploitable', detail: 'HTTP/2 is on, but only on the maintenance port.' },
      ratings: [
        { source: { name: 'nvd@nist.gov' }, score: 7.5, method: 'CVSSv31' },
        { source: { name: 'Example Vendor PSIRT' }, score: 6.5, severity: 'medium' },
      ],
    });
    // Nothing for a product line that is not theirs.
    const other = await w.buildingPrime.gql('{ productVex(product: "rtu") }');
    expect(other.data?.productVex.vulnerabilities).toEqual([]);
  });

  it('versions a product’s VEX: the same bytes while nothing changes, the next version with its history when it does', async () => {
    const VEX = `query($f: VexFormat) { productVex(product: "rtu", format: $f, tlp: GREEN) }`;
    const csaf = async () => (await w.gridPrime.gql(VEX, { f: 'CSAF' })).data?.productVex;
    const first = await csaf();
    app.advanceClock(60_000);
    // Asked again (by the PSIRT this time) with nothing changed: the same document, byte for byte.
    expect(JSON.stringify((await w.analyst.gql(VEX, { f: 'CSAF' })).data?.productVex)).toBe(JSON.stringify(first));
    const cdx1 = (await w.gridPrime.gql(VEX, { f: 'CYCLONEDX' })).data?.productVex;

    // An assessment changes: version 2, version 1 in its history, the first release date kept.
    const [open] = await app.db.prisma.componentAssessment.findMany({
      where: { product: { key: 'rtu' }, state: 'IN_TRIAGE' },
      orderBy: { id: 'asc' },
      take: 1,
    });
    const ASSESS = `mutation($input: AssessComponentVulnerabilityInput!) { assessComponentVulnerability(input: $input) { state } }`;
    const changed = await w.gridPrime.gql(ASSESS, {
      input: { id: open?.id, state: 'NOT_AFFECTED', justification: 'COMPONENT_NOT_PRESENT', rationale: 'Removed.' },
    });
    expect(changed.errors).toBeUndefined();
    const second = await csaf();
    expect(second.document.tracking).toMatchObject({
      id: first.document.tracking.id,
      version: String(Number(first.document.tracking.version) + 1),
      initial_release_date: first.document.tracking.initial_release_date,
    });
    expect(second.document.tracking.revision_history.slice(0, -1)).toEqual(first.document.tracking.revision_history);
    expect(second.document.tracking.revision_history.at(-1).summary).toBe('The assessments changed.');
    expect(await csafProblems(second)).toEqual([]);
    const cdx2 = (await w.gridPrime.gql(VEX, { f: 'CYCLONEDX' })).data?.productVex;
    expect([cdx2.serialNumber, cdx2.version]).toEqual([cdx1.serialNumber, cdx1.version + 1]);
    // Someone who does not answer for the product gets nothing of it, and no version is made for them.
    const other = (await w.buildingPrime.gql(VEX, { f: 'CSAF' })).data?.productVex;
    expect(other.vulnerabilities ?? []).toEqual([]);
    expect(JSON.stringify(await csaf())).toBe(JSON.stringify(second));
  });

  it('keeps inventories through GraphQL: SBOM upload and single components, for those who answer for the product', async () => {
    const IMPORT = `mutation($p: String!, $v: String!, $sbom: JSON!) { importSbom(product: $p, version: $v, sbom: $sbom) {
      added kept removed matches newAssessments } }`;
    const sbom = json('sbom/rtu-2.0.cdx.json');
    const done = await w.gridPrime.gql(IMPORT, { p: 'rtu', v: '2.1', sbom });
    expect(done.data?.importSbom).toEqual({ added: 4, kept: 0, removed: 0, matches: 2, newAssessments: 2 });
    const foreign = await w.buildingPrime.gql(IMPORT, { p: 'rtu', v: '2.1', sbom });
    expect(foreign.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const bad = await w.gridPrime.gql(IMPORT, { p: 'rtu', v: '2.1', sbom: { bomFormat: 'SPDX' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');

    const ADD = `mutation($input: AddComponentInput!) { addComponent(input: $input) { id name version cpe productVersion } }`;
    const noCpe = await w.gridPrime.gql(ADD, {
      input: { product: 'rtu', version: '2.1', name: 'zlib', cpe: 'zlib 1.2' },
    });
    expect(noCpe.errors?.[0]?.message).toBe(
      'input.cpe: a CPE name (cpe:2.3:part:vendor:product:version:… or cpe:/part:vendor:product:version)',
    );
    const noPurl = await w.gridPrime.gql(ADD, {
      input: { product: 'rtu', version: '2.1', name: 'lodash', purl: 'pkg:npm' },
    });
    expect(noPurl.errors?.[0]?.message).toBe('input.purl: a package URL (pkg:type/namespace/name@version)');
    const added = await w.gridPrime.gql(ADD, {
      input: {
        product: 'rtu',
        version: '2.1',
        name: 'openssl',
        componentVersion: '3.0.2',
        cpe: 'cpe:2.3:a:openssl:openssl:3.0.2:*:*:*:*:*:*:*',
      },
    });
    expect(added.data?.addComponent).toMatchObject({ name: 'openssl', productVersion: '2.1' });
    const ssl = await app.db.prisma.componentAssessment.count({
      where: { componentId: added.data?.addComponent.id, vulnerability: { cveId: 'CVE-2023-0286' } },
    });
    expect(ssl).toBe(1);

    const listed = await w.gridPrime.gql('{ productComponents(product: "rtu", version: "2.1") { name } }');
    expect(listed.data?.productComponents.map((c: { name: string }) => c.name)).toEqual([
      'apache/httpd',
      'openssl',
      'openssl',
      'putty',
      'windows',
    ]);
    expect(
      (await w.buildingPrime.gql('{ productComponents(product: "rtu", version: "2.1") { name } }')).data
        ?.productComponents,
    ).toEqual([]);
    const removed = await w.gridPrime.gql('mutation($id: String!) { removeComponent(id: $id) }', {
      id: added.data?.addComponent.id,
    });
    expect(removed.data?.removeComponent).toBe(true);
    expect(await app.db.prisma.componentAssessment.count({ where: { componentId: added.data?.addComponent.id } })).toBe(
      0,
    );
  });

  it('takes a CPE 2.2 URI in an SBOM and matches it as the same name as NVD’s CPE 2.3 criteria', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { type: 'application', name: 'httpd', version: '2.4.57', cpe: 'cpe:/a:apache:http_server:2.4.57' },
        { type: 'application', name: 'httpd-new', version: '2.4.58', cpe: 'cpe:/a:apache:http_server:2.4.58' },
      ],
    };
    const r = await importSbom(app.db.prisma, 'bms', '7.0', bom);
    expect(r).toMatchObject({ added: 2 });
    await matchInventory(app.db.prisma, { productVersionIds: [r.productVersionId] });
    const found = await app.db.prisma.componentAssessment.findMany({
      where: { component: { productVersionId: r.productVersionId } },
      select: { component: { select: { name: true } }, vulnerability: { select: { cveId: true } } },
    });
    // versionEndExcluding 2.4.58: the older one only.
    expect(found).toEqual([{ component: { name: 'httpd' }, vulnerability: { cveId: 'CVE-2023-44487' } }]);
  });

  it('refuses what is not an NVD page or a CycloneDX BOM, saying why', async () => {
    expect(() => recordsOf({ CVE_Items: [] }, 'legacy.json')).toThrow(
      'legacy.json: not an NVD CVE API 2.0 response (no "vulnerabilities" list)',
    );
    await expect(importSbom(app.db.prisma, 'gateway', '9.9', { bomFormat: 'SPDX' })).rejects.toThrow(
      'not a CycloneDX JSON BOM: bomFormat: bomFormat must be "CycloneDX"',
    );
    await expect(
      importSbom(app.db.prisma, 'gateway', '9.9', {
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: [{ version: '1' }],
      }),
    ).rejects.toThrow('components.0.name');
    // A package URL matching could not read is refused, not kept to never match.
    await expect(
      importSbom(app.db.prisma, 'gateway', '9.9', {
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: [{ name: 'lodash', purl: 'pkg:npm' }],
      }),
    ).rejects.toThrow('components.0.purl: a package URL (pkg:type/namespace/name@version)');
    await expect(
      importSbom(app.db.prisma, 'nope', '1', { bomFormat: 'CycloneDX', specVersion: '1.5' }),
    ).rejects.toThrow('no product nope');
  });
});

describe(`fetching the NVD API (${dialect})`, () => {
  it('pages through a first full pass, then asks only for what changed since, with the API key', async () => {
    await using feedApp = await startTestApp();
    const requests: { url: URL; apiKey: string | undefined }[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({ url, apiKey: req.headers.apikey as string | undefined });
      if (!url.pathname.endsWith('/cves/2.0')) {
        res.writeHead(503, 'Service Unavailable');
        res.end();
        return;
      }
      const source = (url.searchParams.has('lastModStartDate') ? json('nvd/page-2.json') : json('nvd/page-1.json')) as {
        vulnerabilities: unknown[];
      };
      const start = Number(url.searchParams.get('startIndex'));
      const size = Number(url.searchParams.get('resultsPerPage'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...source,
          startIndex: start,
          resultsPerPage: size,
          totalResults: source.vulnerabilities.length,
          vulnerabilities: source.vulnerabilities.slice(start, start + size),
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/json/cves/2.0`;
      const source = { baseUrl, apiKey: 'test-api-key', pageSize: 2, delayMs: 0 };
      const first = await syncNvd(feedApp.db.prisma, source, new Date('2026-11-20T00:00:00Z'));
      expect(first).toMatchObject({ pages: 2, new: 3, updated: 0 });
      expect(first.skipped.map((s) => s.id)).toEqual(['CVE-2024-99999']);
      expect(requests.map((r) => r.url.searchParams.get('startIndex'))).toEqual(['0', '2']);
      expect(requests.every((r) => r.apiKey === 'test-api-key' && !r.url.searchParams.has('lastModStartDate'))).toBe(
        true,
      );

      requests.length = 0;
      const second = await syncNvd(feedApp.db.prisma, source, new Date('2026-11-21T00:00:00Z'));
      expect(second).toMatchObject({ pages: 1, new: 0, updated: 1, unchanged: 1 });
      expect(Object.fromEntries(requests[0]?.url.searchParams ?? [])).toMatchObject({
        lastModStartDate: '2026-11-20T00:00:00.000Z',
        lastModEndDate: '2026-11-21T00:00:00.000Z',
      });

      // A failing source moves nothing: the next run asks again from the same mark.
      const broken = { ...source, baseUrl: baseUrl.replace('/rest/json/cves/2.0', '/down') };
      await expect(syncNvd(feedApp.db.prisma, broken, new Date('2026-11-22T00:00:00Z'))).rejects.toThrow('HTTP 503');
      requests.length = 0;
      await syncNvd(feedApp.db.prisma, source, new Date('2026-11-23T00:00:00Z'));
      expect(requests.at(-1)?.url.searchParams.get('lastModStartDate')).toBe('2026-11-21T00:00:00.000Z');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe(`new matches, live (${dialect})`, () => {
  it('tells the PSIRT and the product line’s staff, known-exploited first, and nobody else', async () => {
    await using liveApp = await startTestApp();
    const lw = await makeWorld(liveApp);
    await importSbom(liveApp.db.prisma, 'gateway', '4.2.0', json('sbom/gateway-4.2.0.cdx.json'));
    const analyst = liveWs(liveApp, lw.analyst.token);
    const prime = liveWs(liveApp, lw.gridPrime.token);
    const other = liveWs(liveApp, lw.buildingPrime.token);
    try {
      const query = `subscription { assessmentsMatched { assessments { state product { key }
        vulnerability { cveId knownExploited } component { name } } } }`;
      const before = liveApp.live.listeners();
      const all = analyst.subscribe(query);
      const mine = prime.subscribe(query);
      const none = other.subscribe(query);
      await listening(liveApp, before + 3);
      const imported = await importNvdRecords(liveApp.db.prisma, page('page-1.json'));
      await matchInventory(liveApp.db.prisma, { vulnerabilityIds: imported.changed }, { live: liveApp.live });
      const [matched] = await all.waitFor(1);
      expect(matched.assessments).toEqual([
        {
          state: 'IN_TRIAGE',
          product: { key: 'gateway' },
          vulnerability: { cveId: 'CVE-2023-44487', knownExploited: true },
          component: { name: 'nginx' },
        },
        {
          state: 'IN_TRIAGE',
          product: { key: 'gateway' },
          vulnerability: { cveId: 'CVE-2023-0286', knownExploited: false },
          component: { name: 'openssl' },
        },
      ]);
      expect((await mine.waitFor(1))[0]).toEqual(matched);
      // The building line's Prime answers for no gateway: nothing arrives.
      await new Promise((r) => setTimeout(r, 200));
      expect(none.items).toEqual([]);
    } finally {
      await Promise.all([analyst.dispose(), prime.dispose(), other.dispose()]);
    }
  });
});
