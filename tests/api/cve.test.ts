// The PSIRT as a CNA: CVE JSON 5 records built from the published advisory,
// valid against the official schemas; reservations, publications and
// rejections sent to CVE Services (a local fake over real HTTP that validates
// every body) through the outbox — retried, never published twice, every
// answer on the case's timeline.
import { cnaSettings, createLogger, cveServicesClient, drainCveOutbox } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { cveProblems, cveSchemasMissing } from '../support/cve.ts';
import { type FakeCveServices, startFakeCveServices } from '../support/fake-cve-services.ts';
import { makeWorld, reportInput, SUBMIT, type World } from '../support/world.ts';

const ORG_ID = 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6';
const NAMESPACE = 'https://psirt.example.com';

describe.skipIf(cveSchemasMissing)('CVE records and CVE Services', () => {
  let fake: FakeCveServices;
  let app: TestApp;
  let w: World;
  let drain: () => Promise<{ sent: number; failed: number }>;

  beforeAll(async () => {
    fake = await startFakeCveServices({ quota: 5 });
    const cve = { apiUrl: fake.url, org: fake.org, orgId: ORG_ID, user: fake.user, apiKey: fake.apiKey, intervalMs: 0 };
    app = await startTestApp({ cve, publisher: { name: 'Example Vendor PSIRT', namespace: NAMESPACE } });
    w = await makeWorld(app);
    await app.db.prisma.product.update({
      where: { key: 'gateway' },
      data: { purl: 'pkg:generic/example/gridlink-gateway', cpe: 'cpe:2.3:h:example:gridlink_gateway:*:*:*:*:*:*:*:*' },
    });
    const deps = {
      db: app.db.prisma,
      client: cveServicesClient({ url: fake.url, org: fake.org, user: fake.user, apiKey: fake.apiKey }),
      cna: cnaSettings(cve, { name: 'Example Vendor PSIRT', namespace: NAMESPACE }),
      now: () => new Date(),
      log: createLogger('silent'),
      live: app.live,
    };
    drain = () => drainCveOutbox(deps);
  });
  afterAll(async () => {
    await app?.[Symbol.asyncDispose]();
    await fake?.close();
  });

  /** Makes every queued call due now (as its backoff running out would). */
  const dueNow = () => app.db.prisma.outboxMessage.updateMany({ data: { nextAttemptAt: new Date(0) } });

  const servicesEvents = async (caseId: string) => {
    const r = await w.analyst.gql('query($c: String!) { case(publicId: $c) { timeline { type data } } }', {
      c: caseId,
    });
    return ((r.data?.case.timeline ?? []) as { type: string; data: Record<string, unknown> }[])
      .filter((n) => n.type === 'CVE_SERVICES')
      .map((n) => n.data);
  };

  const RECORD = `query($id: String!) { cveRecord(cveId: $id) { cveId state case advisory json cnaContainer publishable blockers } }`;

  it('reserves ids, publishes their records with the advisory, updates and rejects them — valid, retried, once', async () => {
    const caseId = await readyCase(app, w);
    const setup = [
      ['mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', { i: { caseId, cweIds: ['CWE-287'] } }],
      [
        'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
        { i: { caseId, kind: 'VENDOR_BASE', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } },
      ],
      [
        'mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }',
        {
          i: { caseId, kind: 'VENDOR_BASE', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
        },
      ],
    ] as const;
    for (const [q, v] of setup) expect((await w.analyst.gql(q, v)).errors).toBeUndefined();

    // Reserve two ids: queued, CVE Services fails once (503), the retry reserves them.
    const reserved = await w.analyst.gql(
      'mutation($c: String!) { reserveCveIds(caseId: $c, amount: 2) { publicId } }',
      {
        c: caseId,
      },
    );
    expect(reserved.errors).toBeUndefined();
    fake.failNext(1);
    expect(await drain()).toEqual({ sent: 0, failed: 1 });
    await dueNow();
    expect(await drain()).toEqual({ sent: 1, failed: 0 });
    const ids = ['CVE-2026-50001', 'CVE-2026-50002'];
    const rows = await app.db.prisma.cveAssignment.findMany({
      where: { cveId: { in: ids } },
      orderBy: { cveId: 'asc' },
    });
    expect(rows.map((r) => [r.cveId, r.state, r.assigner])).toEqual(ids.map((id) => [id, 'RESERVED', fake.org]));
    expect((await servicesEvents(caseId)).map((e) => e.outcome)).toEqual(['queued', 'retrying', 'done']);
    expect((await servicesEvents(caseId))[1]).toMatchObject({ status: 503, error: 'SERVICE_UNAVAILABLE' });
    expect((await servicesEvents(caseId))[2]).toMatchObject({ cveIds: ids, remainingQuota: 3 });
    expect(fake.calls[1]).toMatchObject({
      method: 'POST',
      path: '/cve-id',
      query: { amount: '2', cve_year: String(new Date().getUTCFullYear()), short_name: fake.org },
    });

    // Before an advisory: no record to build.
    const early = await w.analyst.gql(RECORD, { id: ids[0] });
    expect(early.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(early.errors?.[0]?.message).toMatch(/in no advisory yet/);

    // Publishing the advisory queues both records (not CVE-2026-10001: recorded without this CNA as assigner).
    const sa = await publishedAdvisory(app, w, caseId, {
      summary: 'An attacker on the plant network can bypass **authentication** of the web interface.',
    });
    expect(await drain()).toEqual({ sent: 2, failed: 0 });
    const posts = fake.calls.filter((c) => c.path.endsWith('/cna'));
    expect(posts.map((c) => [c.method, c.path, c.status])).toEqual([
      ['POST', `/cve/${ids[0]}/cna`, 200],
      ['POST', `/cve/${ids[1]}/cna`, 200],
    ]);
    expect(fake.records.get(ids[0] as string)?.state).toBe('PUBLISHED');

    // The record as GraphQL gives it: valid against both official schemas, saying what the advisory says.
    const r = await w.analyst.gql(RECORD, { id: ids[0] });
    expect(r.errors).toBeUndefined();
    const rec = r.data?.cveRecord;
    expect(rec).toMatchObject({
      cveId: ids[0],
      state: 'PUBLISHED',
      case: caseId,
      advisory: sa,
      publishable: true,
      blockers: [],
    });
    expect(cveProblems('record', rec.json)).toEqual([]);
    expect(cveProblems('published', rec.cnaContainer)).toEqual([]);
    expect(rec.json.containers.cna).toEqual(rec.cnaContainer);
    const cna = rec.cnaContainer;
    expect(cna.providerMetadata).toMatchObject({ orgId: ORG_ID, shortName: fake.org });
    expect(cna.descriptions).toEqual([
      {
        lang: 'en',
        value: 'An attacker on the plant network can bypass authentication of the web interface.',
        supportingMedia: [
          {
            type: 'text/markdown',
            base64: false,
            value: 'An attacker on the plant network can bypass **authentication** of the web interface.',
          },
        ],
      },
    ]);
    expect(cna.affected).toEqual([
      {
        vendor: 'Example Vendor PSIRT',
        product: 'GridLink Gateway',
        cpes: ['cpe:2.3:h:example:gridlink_gateway:*:*:*:*:*:*:*:*'],
        packageURL: 'pkg:generic/example/gridlink-gateway',
        versions: [
          { version: '0', status: 'affected', lessThan: '4.2.1', versionType: 'semver' },
          { version: '4.2.1', status: 'unaffected' },
        ],
        defaultStatus: 'unaffected',
      },
      { vendor: 'Example Vendor PSIRT', product: 'RTU500', defaultStatus: 'unaffected' },
    ]);
    expect(cna.problemTypes).toEqual([
      { descriptions: [{ lang: 'en', type: 'CWE', cweId: 'CWE-287', description: 'CWE-287 Improper Authentication' }] },
    ]);
    expect(cna.metrics).toEqual([
      {
        format: 'CVSS',
        scenarios: [{ lang: 'en', value: 'GENERAL' }],
        cvssV3_1: {
          version: '3.1',
          vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          baseScore: 9.8,
          baseSeverity: 'CRITICAL',
        },
      },
      {
        format: 'CVSS',
        scenarios: [{ lang: 'en', value: 'GENERAL' }],
        other: {
          type: 'cvssV4_0',
          content: {
            version: '4.0',
            vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
            baseScore: 9.3,
            baseSeverity: 'CRITICAL',
          },
        },
      },
      {
        format: 'CVSS',
        scenarios: [{ lang: 'en', value: "GridLink Gateway <4.2.1 (the vendor's adjusted score, AVSS)" }],
        cvssV3_1: {
          version: '3.1',
          vectorString: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          baseScore: 8.8,
          baseSeverity: 'HIGH',
        },
      },
    ]);
    expect(cna.references[0]).toEqual({ url: `${NAMESPACE}/advisories/${sa}`, name: sa, tags: ['vendor-advisory'] });
    expect(cna.references[1].url).toMatch(
      new RegExp(`^${NAMESPACE}/\\.well-known/csaf/white/\\d{4}/${sa.toLowerCase()}\\.json$`),
    );
    expect(cna.credits).toEqual([{ lang: 'en', value: 'Rhea Reporter (Example Lab)', type: 'reporter' }]);
    expect(cna.solutions).toEqual([{ lang: 'en', value: 'GridLink Gateway: Update to 4.2.1. Fixed in 4.2.1.' }]);
    expect(cna.datePublic).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(cna.timeline).toEqual([{ time: cna.datePublic, lang: 'en', value: `${sa} published` }]);
    expect(rec.json.cveMetadata).toMatchObject({ cveId: ids[0], assignerOrgId: ORG_ID, state: 'PUBLISHED' });

    // By hand: an update (PUT), since CVE Services holds the record.
    expect(
      (await w.analyst.gql('mutation { publishCveRecord(cveId: "cve-2026-50001") { id } }')).errors,
    ).toBeUndefined();
    expect(await drain()).toEqual({ sent: 1, failed: 0 });
    expect(fake.calls.at(-1)).toMatchObject({ method: 'PUT', path: `/cve/${ids[0]}/cna`, status: 200 });

    // Our note of the publication lost (a crash after CVE Services took it): the POST is refused as existing and sent as a PUT.
    await app.db.prisma.cveAssignment.update({ where: { cveId: ids[0] }, data: { servicesUpdatedAt: null } });
    expect((await w.analyst.gql(`mutation { publishCveRecord(cveId: "${ids[0]}") { id } }`)).errors).toBeUndefined();
    expect(await drain()).toEqual({ sent: 1, failed: 0 });
    expect(fake.calls.slice(-2).map((c) => [c.method, c.status])).toEqual([
      ['POST', 400],
      ['PUT', 200],
    ]);
    expect((await servicesEvents(caseId)).at(-1)).toMatchObject({ action: 'update', outcome: 'done', cveId: ids[0] });

    // Reject the second id, replaced by the first: recorded at once, the rejected container valid.
    const rej = await w.analyst.gql(
      `mutation { rejectCve(cveId: "${ids[1]}", reason: "Duplicate of ${ids[0]}: the same flaw.", replacedBy: ["${ids[0]}"]) { id } }`,
    );
    expect(rej.errors).toBeUndefined();
    expect(await drain()).toEqual({ sent: 1, failed: 0 });
    // Its record was published: CVE Services replaces it with the rejected one (PUT).
    expect(fake.calls.at(-1)).toMatchObject({ method: 'PUT', path: `/cve/${ids[1]}/reject`, status: 200 });
    const rejected = (await w.analyst.gql(RECORD, { id: ids[1] })).data?.cveRecord;
    expect(rejected.state).toBe('REJECTED');
    expect(cveProblems('record', rejected.json)).toEqual([]);
    expect(cveProblems('rejected', rejected.cnaContainer)).toEqual([]);
    expect(rejected.cnaContainer).toMatchObject({
      rejectedReasons: [{ lang: 'en', value: `Duplicate of ${ids[0]}: the same flaw.` }],
      replacedBy: [ids[0]],
    });

    // A refusal from CVE Services is final and kept on the timeline: more ids than the quota has left.
    await w.analyst.gql('mutation($c: String!) { reserveCveIds(caseId: $c, amount: 4) { id } }', { c: caseId });
    expect(await drain()).toEqual({ sent: 0, failed: 1 });
    expect((await servicesEvents(caseId)).at(-1)).toMatchObject({
      action: 'reserve',
      outcome: 'failed',
      status: 403,
      error: 'EXCEEDED_ID_QUOTA',
    });
    await dueNow();
    expect(await drain()).toEqual({ sent: 0, failed: 0 });
  });

  it('shows a record only to whom may read its case, and takes CNA actions only from the PSIRT', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-10002' });
    // Before publication the record previews the draft: the case's product-line team reads the case, not the draft.
    const draft = await w.analyst.gql(
      'mutation($c: [String!]!) { createAdvisory(cases: $c, title: "Draft about it") { publicId } }',
      {
        c: [caseId],
      },
    );
    expect(draft.errors).toBeUndefined();
    const preview = await w.analyst.gql(RECORD, { id: 'CVE-2026-10002' });
    expect(preview.data?.cveRecord.blockers).toContainEqual(
      expect.stringMatching(/is not published: this record is a preview/),
    );
    const member = await w.gridPrime.gql(RECORD, { id: 'CVE-2026-10002' });
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(member)).not.toContain('Draft about it');
    await publishedAdvisory(app, w, caseId);
    expect((await w.gridPrime.gql(RECORD, { id: 'CVE-2026-10002' })).errors).toBeUndefined();
    const ok = await w.analyst.gql(RECORD, { id: 'CVE-2026-10002' });
    expect(ok.errors).toBeUndefined();
    // Recorded by hand without this CNA as its assigner: its record is not ours to send.
    expect(ok.data?.cveRecord.publishable).toBe(false);
    expect(ok.data?.cveRecord.blockers[0]).toMatch(/not by this CNA/);
    expect(cveProblems('record', ok.data?.cveRecord.json)).toEqual([]);

    for (const who of [w.outsider, w.integrator, w.buildingPrime]) {
      const r = await who.gql(RECORD, { id: 'CVE-2026-10002' });
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(r.errors?.[0]?.message).toBe('No CVE CVE-2026-10002 on a case that you may see.');
    }
    const unknown = await w.analyst.gql(RECORD, { id: 'CVE-2026-99999' });
    expect(unknown.errors?.[0]?.message).toBe('No CVE CVE-2026-99999 on a case that you may see.');
    expect((await app.anonymous.gql(RECORD, { id: 'CVE-2026-10002' })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const bad = await w.analyst.gql(RECORD, { id: 'CVE-26-1' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');

    const refused = await w.gridPrime.gql('mutation($c: String!) { reserveCveIds(caseId: $c) { id } }', { c: caseId });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const notOurs = await w.analyst.gql('mutation { publishCveRecord(cveId: "CVE-2026-10002") { id } }');
    expect(notOurs.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const tooMany = await w.analyst.gql('mutation($c: String!) { reserveCveIds(caseId: $c, amount: 11) { id } }', {
      c: caseId,
    });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('never names a confidential reporter in a record', async () => {
    const caseId = await readyCase(app, w, { cve: 'CVE-2026-10003' });
    const secret = await app.anonymous.gql(SUBMIT, {
      input: reportInput({
        title: 'Same flaw, reported again',
        reporter: {
          name: 'Quiet Quinn',
          organization: 'Hidden Co',
          email: 'quinn@hidden.example',
          confidential: true,
          creditPreference: 'NAME_AND_ORGANIZATION',
        },
      }),
    });
    const vsr = secret.data?.submitVulnerabilityReport.publicId;
    const merged = await w.analyst.gql(
      'mutation($r: String!, $c: String!) { attachReport(reportId: $r, caseId: $c) { id } }',
      {
        r: vsr,
        c: caseId,
      },
    );
    expect(merged.errors).toBeUndefined();
    await publishedAdvisory(app, w, caseId);
    const rec = (await w.analyst.gql(RECORD, { id: 'CVE-2026-10003' })).data?.cveRecord;
    expect(rec.cnaContainer.credits).toEqual([{ lang: 'en', value: 'Rhea Reporter (Example Lab)', type: 'reporter' }]);
    expect(JSON.stringify(rec.json)).not.toMatch(/Quinn|Hidden Co|quinn@/);
  });
});

describe('CVE Services not configured', () => {
  it('says what to set, and records are still built', async () => {
    await using app = await startTestApp();
    const w = await makeWorld(app);
    const caseId = await readyCase(app, w);
    const r = await w.analyst.gql('mutation($c: String!) { reserveCveIds(caseId: $c) { id } }', { c: caseId });
    expect(r.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(r.errors?.[0]?.message).toMatch(/PSIRT_CVE_ORG, PSIRT_CVE_USER and PSIRT_CVE_API_KEY/);
    expect(await app.db.prisma.outboxMessage.count({ where: { topic: { startsWith: 'cve.' } } })).toBe(0);

    // Publishing the advisory queues nothing; the record is there to read (and to submit by other means).
    await publishedAdvisory(app, w, caseId);
    expect(await app.db.prisma.outboxMessage.count({ where: { topic: { startsWith: 'cve.' } } })).toBe(0);
    // Reserved by this CNA by other means: its own id, so only the settings stand in the way.
    await app.db.prisma.cveAssignment.update({
      where: { cveId: 'CVE-2026-10001' },
      data: { assigner: 'examplevendor' },
    });
    const rec = await w.analyst.gql(
      'query { cveRecord(cveId: "CVE-2026-10001") { json cnaContainer publishable blockers } }',
    );
    expect(rec.errors).toBeUndefined();
    // A record naming the placeholder organisation cannot be sent: not publishable, and it says why.
    expect(rec.data?.cveRecord.publishable).toBe(false);
    expect(rec.data?.cveRecord.blockers).toEqual([
      expect.stringMatching(/organisation UUID is not set \(PSIRT_CVE_ORG_ID\)/),
      expect.stringMatching(/credentials are not set/),
    ]);
    expect(rec.data?.cveRecord.cnaContainer.providerMetadata).toMatchObject({
      orgId: '00000000-0000-4000-8000-000000000000',
      shortName: 'examplevendor',
    });
    if (!cveSchemasMissing) expect(cveProblems('record', rec.data?.cveRecord.json)).toEqual([]);
  });
});
