// Suppliers' CSAF 2.0 advisories (fixtures in tests/fixtures/csaf): read from
// a provider's ROLIE feed over real HTTP (hashes checked, incremental) and
// from files, validated with the CSAF validator library, their product trees
// matched by package URL and CPE with vers and free-text ranges, and kept
// beside NVD's record of the same CVE.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFeedSources, importNvdRecords, importSbom, loadFeed, matchInventory, recordsOf } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { assessmentLines } from '../support/assessments.ts';
import { dialect } from '../support/db.ts';
import { correspondent } from '../support/pgp-mail.ts';
import { makeWorld, type World } from '../support/world.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const file = (name: string) => path.join(fixtures, name);
const json = (name: string) => JSON.parse(readFileSync(file(name), 'utf8')) as unknown;
const ADVISORY = 'csaf/acme-sa-2026-001.json';

let app: TestApp;
let w: World;
beforeAll(async () => {
  app = await startTestApp();
  w = await makeWorld(app);
  await importSbom(app.db.prisma, 'rtu', '2.1', json('sbom/rtu-2.1.cdx.json'));
  await importSbom(app.db.prisma, 'gateway', '4.3.0', json('sbom/gateway-4.3.0.cdx.json'));
  // NVD knows CVE-2023-44487 already; the supplier's advisory adds its own word.
  await importNvdRecords(app.db.prisma, recordsOf(json('nvd/page-1.json'), 'page-1.json'));
});
afterAll(() => app?.[Symbol.asyncDispose]());

const assessments = () => assessmentLines(app);

describe(`suppliers’ CSAF advisories (${dialect})`, () => {
  it('reads a provider’s ROLIE feed: new entries only, each checked against its published hash and signature', async () => {
    const body = readFileSync(file(ADVISORY));
    const sha256 = createHash('sha256').update(body).digest('hex');
    // The provider signs with GnuPG; its key is named in its provider metadata.
    using provider = await correspondent('ACME Embedded PSIRT', 'psirt@acme-embedded.example');
    const { gpg, fingerprint, publicKey } = provider;
    const signature = await gpg.run(['--armor', '--detach-sign'], body.toString('utf8'));
    const otherSignature = await gpg.run(['--armor', '--detach-sign'], `${body.toString('utf8')} `);
    const fetched: string[] = [];
    // A ROLIE entry as CSAF providers write them: the document, its hash and (when signed) its signature beside it.
    const entry = (id: string, title: string, updated: string, signed: boolean) => {
      const doc = `2026/${id.toLowerCase()}.json`;
      return {
        id,
        title,
        link: [
          { rel: 'self', href: doc },
          { rel: 'hash', href: `${doc}.sha256` },
          ...(signed ? [{ rel: 'signature', href: `${doc}.asc` }] : []),
        ],
        updated,
        content: { type: 'application/json', src: doc },
        format: { schema: 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json', version: '2.0' },
      };
    };
    const routes: Record<string, () => [number, string | Buffer]> = {
      '/.well-known/csaf/white/feed-tlp-white.json': () => [
        200,
        JSON.stringify({
          feed: {
            id: 'acme-embedded-csaf-feed-tlp-white',
            title: 'ACME Embedded CSAF feed (TLP:WHITE)',
            link: [{ rel: 'self', href: '/.well-known/csaf/white/feed-tlp-white.json' }],
            updated: '2026-03-09T09:00:00Z',
            entry: [
              // 001: as published, signed; 000: tampered (its hash does not match); 009: right hash,
              // signature over other bytes.
              entry('ACME-SA-2026-001', 'ACME Modbus stack and ACME TLS', '2026-03-09T09:00:00Z', true),
              entry('ACME-SA-2026-000', 'Tampered in transit', '2026-02-01T09:00:00Z', false),
              entry('ACME-SA-2026-009', 'Right hash, signature over something else', '2026-02-02T09:00:00Z', true),
            ],
          },
        }),
      ],
      '/.well-known/csaf/white/2026/acme-sa-2026-001.json': () => [200, body],
      '/.well-known/csaf/white/2026/acme-sa-2026-001.json.sha256': () => [200, `${sha256}  acme-sa-2026-001.json\n`],
      '/.well-known/csaf/white/2026/acme-sa-2026-000.json': () => [200, body],
      '/.well-known/csaf/white/2026/acme-sa-2026-000.json.sha256': () => [200, `${'0'.repeat(64)}\n`],
      '/.well-known/csaf/white/2026/acme-sa-2026-001.json.asc': () => [200, signature],
      '/.well-known/csaf/white/2026/acme-sa-2026-009.json': () => [200, body],
      '/.well-known/csaf/white/2026/acme-sa-2026-009.json.sha256': () => [200, `${sha256}\n`],
      '/.well-known/csaf/white/2026/acme-sa-2026-009.json.asc': () => [200, otherSignature],
      '/.well-known/csaf/provider-metadata.json': () => [
        200,
        JSON.stringify({
          canonical_url: 'https://psirt.acme-embedded.example/.well-known/csaf/provider-metadata.json',
          role: 'csaf_provider',
          public_openpgp_keys: [{ fingerprint, url: '/.well-known/csaf/openpgp/acme.asc' }],
        }),
      ],
      '/.well-known/csaf/openpgp/acme.asc': () => [200, publicKey],
    };
    const server = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      fetched.push(req.url ?? '');
      const [status, content] = route ? route() : [404, 'not found'];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(content);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const feed = await loadFeed(`${origin}/.well-known/csaf/white/feed-tlp-white.json`);
      expect(feed.kind).toBe('rolie');
      const first = await importFeedSources(app.db.prisma, [feed], { live: app.live });
      expect(first).toMatchObject({ new: 2, updated: 1, unchanged: 0 });
      expect(first.skipped).toEqual([
        {
          id: `${origin}/.well-known/csaf/white/2026/acme-sa-2026-001.json`,
          reason: '1 vulnerability(ies) without a CVE id',
        },
        {
          id: 'ACME-SA-2026-000',
          reason: `${origin}/.well-known/csaf/white/2026/acme-sa-2026-000.json: the document does not match its sha256`,
        },
        {
          id: 'ACME-SA-2026-009',
          reason: `${origin}/.well-known/csaf/white/2026/acme-sa-2026-009.json: its OpenPGP signature does not verify`,
        },
      ]);
      // Matched by package URL with a vers range, and by CPE with a free-text range ("< 1.4.2"); the fixed
      // versions in the gateway 4.3.0 are not affected.
      expect(first.matched).toMatchObject({ matches: 3, created: 3 });
      expect(await assessments()).toEqual([
        'rtu 2.1: acme-modbus 2.3.1 CVE-2023-44487 IN_TRIAGE',
        'rtu 2.1: acme-modbus 2.3.1 CVE-2026-10001 IN_TRIAGE',
        'rtu 2.1: acme-tls 1.4.1 CVE-2026-10002 IN_TRIAGE',
      ]);

      // The next run fetches the feed only: nothing in it is newer than what was read.
      fetched.length = 0;
      const second = await importFeedSources(app.db.prisma, [await loadFeed(feed.name)]);
      expect(second).toMatchObject({ new: 0, updated: 0, unchanged: 0, skipped: [] });
      expect(fetched).toEqual(['/.well-known/csaf/white/feed-tlp-white.json']);

      // Configured (PSIRT_CSAF_FEEDS), an instance reads the feed on its own when it starts, then on schedule.
      {
        await using scheduled = await startTestApp({
          feeds: { csaf: { feeds: [feed.name], intervalMs: 3_600_000 } },
        });
        const started = Date.now();
        while ((await scheduled.db.prisma.thirdPartyVulnerability.count()) < 3) {
          if (Date.now() - started > 20_000) throw new Error('the scheduled CSAF feed read imported nothing');
          await new Promise((r) => setTimeout(r, 50));
        }
        const cves = await scheduled.db.prisma.thirdPartyVulnerability.findMany({ select: { cveId: true } });
        expect(cves.map((c) => c.cveId).sort()).toEqual(['CVE-2023-44487', 'CVE-2026-10001', 'CVE-2026-10002']);
      }

      // An unreachable feed is reported, not thrown: what other sources brought is still matched.
      const gone = await importFeedSources(app.db.prisma, [
        { kind: 'rolie', name: 'gone', url: new URL(`${origin}/gone.json`) },
      ]);
      expect(gone.skipped).toEqual([{ id: 'gone', reason: 'HTTP 404 Not Found' }]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('takes advisory files: an invalid one is refused with the validator’s reasons, a known one changes nothing', async () => {
    const sources = await Promise.all(
      [ADVISORY, 'csaf/acme-sa-2026-002-invalid.json'].map((name) => loadFeed(file(name))),
    );
    expect(sources.map((s) => s.kind)).toEqual(['csaf', 'csaf']);
    const r = await importFeedSources(app.db.prisma, sources);
    expect(r).toMatchObject({ new: 0, updated: 0, unchanged: 3 });
    expect(r.skipped[1]).toEqual({
      id: file('csaf/acme-sa-2026-002-invalid.json'),
      reason:
        'not a valid CSAF 2.0 document: mandatoryTest_6_1_1: /vulnerabilities/0/product_status/known_affected/1 definition of product id missing',
    });
    expect(await app.db.prisma.thirdPartyVulnerability.count({ where: { cveId: 'CVE-2026-10003' } })).toBe(0);
    await expect(loadFeed(file('sbom/rtu-2.1.cdx.json'))).rejects.toThrow(
      'rtu-2.1.cdx.json: neither an NVD CVE API 2.0 page, a CSAF 2.0 document, a ROLIE feed, an OSV record, a CVE JSON 5 record nor the KEV catalogue',
    );
  });

  it('keeps the supplier’s word beside NVD’s, through NVD updates, and shows both', async () => {
    // NVD changes its record of CVE-2023-44487: the supplier's advisory, score and criteria stay.
    const [rapid] = recordsOf(json('nvd/page-1.json'), 'page-1.json').filter(
      (r) => (r as { id: string }).id === 'CVE-2023-44487',
    ) as Record<string, unknown>[];
    const updated = await importNvdRecords(app.db.prisma, [
      { ...rapid, lastModified: '2026-04-01T00:00:00.000', vulnStatus: 'Modified' },
    ]);
    expect(updated).toMatchObject({ updated: 1 });
    const criteria = await app.db.prisma.vulnerabilityCriterion.findMany({
      where: { vulnerability: { cveId: 'CVE-2023-44487' } },
      select: { key: true },
    });
    expect(criteria.map((c) => c.key).sort()).toEqual([
      'cpe:apache:http_server',
      'cpe:f5:nginx',
      'pkg:generic/acme/acme-modbus',
    ]);

    const r = await w.gridPrime.gql(`{ componentAssessments(first: 10) { edges { node {
      vulnerability { cveId source knownExploited supplierAdvisories { publisher trackingId version
        releaseDate remediations { category url } unmatchableProducts } }
      supplierCvss { source type baseScore } } } } }`);
    expect(r.errors).toBeUndefined();
    const nodes = r.data?.componentAssessments.edges.map((e: { node: unknown }) => e.node);
    // Known-exploited first; the supplier's own score is the one shown beside the AVSS.
    expect(nodes.map((n: { vulnerability: { cveId: string } }) => n.vulnerability.cveId).sort()).toEqual([
      'CVE-2023-44487',
      'CVE-2026-10001',
      'CVE-2026-10002',
    ]);
    expect(nodes[0]).toMatchObject({
      vulnerability: { source: 'NVD', knownExploited: true },
      supplierCvss: { source: 'ACME Embedded', type: 'Supplier', baseScore: 6.5 },
    });
    expect(nodes.find((n: { vulnerability: { cveId: string } }) => n.vulnerability.cveId === 'CVE-2026-10001')).toEqual(
      {
        vulnerability: {
          cveId: 'CVE-2026-10001',
          source: 'ACME Embedded',
          knownExploited: false,
          supplierAdvisories: [
            {
              publisher: 'ACME Embedded',
              trackingId: 'ACME-SA-2026-001',
              version: '2',
              releaseDate: '2026-03-09T09:00:00.000Z',
              remediations: [
                { category: 'vendor_fix', url: 'https://downloads.acme-embedded.example/modbus/2.3.4/' },
                { category: 'workaround', url: null },
              ],
              unmatchableProducts: ['ACME Config Tool 5.1'],
            },
          ],
        },
        supplierCvss: { source: 'ACME Embedded', type: 'Supplier', baseScore: 9.8 },
      },
    );
    // The building line answers for neither product: it sees none of it.
    const other = await w.buildingPrime.gql('{ componentAssessments(first: 10) { totalCount } }');
    expect(other.data?.componentAssessments.totalCount).toBe(0);
  });

  it('shows a supplier’s score only for its own products; elsewhere NVD’s stands', async () => {
    // The RTU 2.0's Apache httpd is also affected by CVE-2023-44487 (NVD's criteria): ACME's 6.5 is about ACME's stack.
    const sbom = await importSbom(app.db.prisma, 'rtu', '2.0', json('sbom/rtu-2.0.cdx.json'));
    await matchInventory(app.db.prisma, { productVersionIds: [sbom.productVersionId] });
    const r = await w.gridPrime.gql(`{ componentAssessments(first: 50) { edges { node {
      component { name } vulnerability { cveId } supplierCvss { source type baseScore } } } } }`);
    expect(r.errors).toBeUndefined();
    const rapid = ((r.data?.componentAssessments.edges ?? []) as { node: Record<string, any> }[])
      .map((e) => e.node)
      .filter((n) => n.vulnerability.cveId === 'CVE-2023-44487')
      .map((n) => [n.component.name, n.supplierCvss]);
    expect(rapid).toEqual(
      expect.arrayContaining([
        ['acme-modbus', { source: 'ACME Embedded', type: 'Supplier', baseScore: 6.5 }],
        ['apache/httpd', { source: 'nvd@nist.gov', type: 'Primary', baseScore: 7.5 }],
      ]),
    );
  });

  it('checks signatures with the keys of the provider metadata it was given, says per entry, and holds to a pinned key', async () => {
    const body = readFileSync(file(ADVISORY));
    const sha256 = createHash('sha256').update(body).digest('hex');
    using provider = await correspondent('ACME', 'psirt@acme.example');
    const { gpg, fingerprint, publicKey } = provider;
    const signature = await gpg.run(['--armor', '--detach-sign'], body.toString('utf8'));
    const serve = async (routes: Record<string, string | Buffer>) => {
      const server = createServer((req, res) => {
        const content = routes[req.url ?? ''];
        res.writeHead(content === undefined ? 404 : 200).end(content ?? 'not found');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    // As CISA serves them: the feed and documents on one host, the provider metadata and key on another.
    // (Each host's routes are filled in below, once both addresses are known.)
    const feedRoutes: Record<string, string | Buffer> = {};
    const metaRoutes: Record<string, string | Buffer> = {};
    const feedHost = await serve(feedRoutes);
    const metaHost = await serve(metaRoutes);
    const doc = (name: string) => `${feedHost.origin}/csaf/${name}.json`;
    const feedUrl = `${feedHost.origin}/csaf/feed.json`;
    Object.assign(feedRoutes, {
      '/csaf/feed.json': JSON.stringify({
        feed: {
          id: 'acme-feed',
          entry: [
            {
              id: 'SIGNED',
              updated: '2026-03-09T09:00:00Z',
              content: { src: doc('signed') },
              link: [
                { rel: 'hash', href: `${doc('signed')}.sha256` },
                { rel: 'signature', href: `${doc('signed')}.asc` },
              ],
            },
            {
              id: 'UNSIGNED',
              updated: '2026-03-08T09:00:00Z',
              content: { src: doc('unsigned') },
              link: [{ rel: 'hash', href: `${doc('unsigned')}.sha256` }],
            },
          ],
        },
      }),
      '/csaf/signed.json': body,
      '/csaf/signed.json.sha256': `${sha256}\n`,
      '/csaf/signed.json.asc': signature,
      '/csaf/unsigned.json': body,
      '/csaf/unsigned.json.sha256': `${sha256}\n`,
    });
    Object.assign(metaRoutes, {
      '/.well-known/csaf/provider-metadata.json': JSON.stringify({
        canonical_url: `${metaHost.origin}/.well-known/csaf/provider-metadata.json`,
        metadata_version: '2.0',
        role: 'csaf_provider',
        distributions: [{ rolie: { feeds: [{ summary: 'TLP:WHITE', tlp_label: 'WHITE', url: feedUrl }] } }],
        public_openpgp_keys: [{ fingerprint, url: '/keys/acme.asc' }],
      }),
      '/keys/acme.asc': publicKey,
    });
    const run = async (source: string) => {
      // Each run reads the whole feed again (the runs are about the checks, not about what is new).
      await app.db.prisma.setting.deleteMany({ where: { key: { startsWith: 'feeds.rolie:' } } });
      return importFeedSources(app.db.prisma, [await loadFeed(source)]);
    };
    const metadata = `${metaHost.origin}/.well-known/csaf/provider-metadata.json`;
    try {
      // The feed alone: its host has no provider metadata; the entries are taken and the summary says they were not checked.
      const alone = await run(feedUrl);
      expect(alone.signatures).toEqual([
        {
          id: 'SIGNED',
          checked: false,
          note: expect.stringMatching(
            /^signature not checked: no provider metadata at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/csaf\/provider-metadata\.json/,
          ),
        },
        { id: 'UNSIGNED', checked: false, note: 'signature not checked: the entry has no signature' },
      ]);
      // Through the provider's metadata: its key checks the signed entry.
      const viaMetadata = await run(metadata);
      expect(viaMetadata.signatures).toEqual([
        { id: 'SIGNED', checked: true, note: 'signature verified' },
        { id: 'UNSIGNED', checked: false, note: 'signature not checked: the entry has no signature' },
      ]);
      // With the key pinned, what is not signed by it is refused.
      const pinned = await run(`${metadata}#key=${fingerprint}`);
      expect(pinned.signatures).toEqual([{ id: 'SIGNED', checked: true, note: 'signature verified (pinned key)' }]);
      expect(pinned.skipped).toContainEqual({
        id: 'UNSIGNED',
        reason: `${doc('unsigned')}: not imported: a key is pinned (${fingerprint}) and the entry has no signature`,
      });
      const wrong = await run(`${metadata}#key=${'AB'.repeat(20)}`);
      expect(wrong.signatures ?? []).toEqual([]);
      const refused = wrong.skipped.filter((x) => x.id === 'SIGNED' || x.id === 'UNSIGNED');
      expect(refused.map((x) => x.id)).toEqual(['SIGNED', 'UNSIGNED']);
      expect(refused[0]?.reason).toContain(`names no readable key ${'AB'.repeat(20)}`);
    } finally {
      for (const h of [feedHost, metaHost]) await new Promise<void>((r) => h.server.close(() => r()));
    }
  });
});
