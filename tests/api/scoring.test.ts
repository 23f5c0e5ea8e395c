// Severity scoring over GraphQL: the public calculator, the vendor base score,
// per-product AVSS with history, the reporter's and third parties' scores kept
// beside them, and the case severity that filters and sorts cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { makeWorld, openCase, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000, cvssPerMinute: 25 });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const CVSS = `query($v: String!) { cvss(vector: $v) {
  version vector baseScore temporalScore environmentalScore score severity
  impactSubScore exploitabilitySubScore nomenclature macroVector
  metrics { key name group value valueName } } }`;
const SCORE = `mutation($i: RecordScoreInput!) { recordScore(input: $i) { publicId severity severityScore } }`;
const IMPACT = `mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { severity severityScore } }`;
const CASE = `query($c: String!) { case(publicId: $c) {
  severity severityScore
  scores { kind vector score severity rationale source product { key } createdBy { id } }
  impacts { product { key } status
    avss { score severity vector rationale createdBy { id } assessment { version metrics { key valueName } } }
    scores { score rationale } }
  timeline { type data } } }`;

const AVSS_HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:A'; // 8.8
const AVSS_LOW = 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N'; // 1.8
const AVSS_ADJACENT = 'CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:L/I:L/A:N'; // 3.1
const BASE = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8

describe(`the CVSS calculator (${dialect})`, () => {
  it('scores a vector for anyone, canonical and with the metrics named', async () => {
    const res = await app.anonymous.gql(CVSS, { v: 'CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:P/RL:X/CR:H' });
    expect(res.errors).toBeUndefined();
    const a = res.data?.cvss;
    expect(a).toMatchObject({
      version: 'V3_1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/CR:H',
      baseScore: 9.8,
      temporalScore: 9.3,
      environmentalScore: 9.3,
      score: 9.3,
      severity: 'CRITICAL',
      impactSubScore: 5.9,
      exploitabilitySubScore: 3.9,
      nomenclature: null,
    });
    expect(a.metrics[0]).toEqual({ key: 'AV', name: 'Attack Vector', group: 'BASE', value: 'N', valueName: 'Network' });
    expect(a.metrics.map((m: { key: string }) => m.key)).toEqual([
      'AV',
      'AC',
      'PR',
      'UI',
      'S',
      'C',
      'I',
      'A',
      'E',
      'CR',
    ]);

    const v4 = await w.analyst.gql(CVSS, { v: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U' });
    expect(v4.data?.cvss).toMatchObject({
      version: 'V4_0',
      baseScore: 9.3,
      temporalScore: 8.1,
      environmentalScore: null,
      score: 8.1,
      severity: 'HIGH',
      nomenclature: 'CVSS-BT',
      impactSubScore: null,
    });
  });

  it('answers a malformed vector with a typed error naming the metric, and no score', async () => {
    const res = await app.anonymous.gql(CVSS, { v: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'A:Q is not a value of Availability (allowed: H, L, N)',
      extensions: { code: 'VALIDATION', field: 'vector' },
    });
  });

  it('limits calls per caller: an anonymous flood is refused with RATE_LIMITED, staff keep their own budget', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, () => app.anonymous.gql('{ cvss(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P") { score } }')),
    );
    const limited = results.filter((r) => r.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.errors?.[0]?.message).toMatch(/^Too many calculations; try again in \d+ second\(s\)\.$/);
    const staff = await w.gridPrime.gql('{ cvss(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P") { score severity } }');
    expect(staff.data?.cvss).toEqual({ score: 7.5, severity: 'HIGH' });
  });
});

describe(`scores on cases (${dialect})`, () => {
  it('keeps the reporter’s score beside the vendor’s, and the case severity follows the policy', async () => {
    // The reporter claims 10.0; submission stores it in canonical form.
    const sub = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:X' }),
    });
    const accepted = await w.analyst.gql(
      'mutation($r: String!) { acceptReport(reportId: $r, products: ["gateway", "rtu"]) { publicId severity scores { kind vector score } } }',
      { r: sub.data?.submitVulnerabilityReport.publicId },
    );
    const caseId = accepted.data?.acceptReport.publicId as string;
    // The reporter's claim is on the case, but the case is not scored until the vendor scores it.
    expect(accepted.data?.acceptReport).toMatchObject({
      severity: null,
      scores: [{ kind: 'REPORTER', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', score: 10 }],
    });

    // The analyst scores the vulnerability itself: the case falls back to it.
    const base = await w.analyst.gql(SCORE, { i: { caseId, kind: 'VENDOR_BASE', vector: BASE } });
    expect(base.data?.recordScore).toMatchObject({ severity: 'CRITICAL', severityScore: 9.8 });

    // The grid Specialist requalifies each product: the highest current AVSS wins over the base score.
    const rationale = 'Management interface only reachable from the plant network segment.';
    const hi = await w.gridSpecialist.gql(SCORE, {
      i: { caseId, kind: 'AVSS', product: 'gateway', vector: AVSS_HIGH, rationale },
    });
    expect(hi.errors).toBeUndefined();
    expect(hi.data?.recordScore).toMatchObject({ severity: 'HIGH', severityScore: 8.8 });
    await w.gridSpecialist.gql(SCORE, {
      i: {
        caseId,
        kind: 'AVSS',
        product: 'rtu',
        vector: AVSS_ADJACENT,
        rationale: 'Needs an engineering session on the station bus.',
      },
    });
    // Requalifying the gateway down: the latest AVSS per product counts, so the case drops to the rtu's.
    const down = await w.gridPrime.gql(SCORE, {
      i: {
        caseId,
        kind: 'AVSS',
        product: 'gateway',
        vector: AVSS_LOW,
        rationale: 'Needs an admin session on the local console.',
      },
    });
    expect(down.data?.recordScore).toMatchObject({ severity: 'LOW', severityScore: 3.1 });

    // A product found not affected leaves the severity: the case falls back to the gateway's AVSS.
    const na = await w.gridSpecialist.gql(IMPACT, {
      i: { caseId, product: 'rtu', status: 'NOT_AFFECTED', justification: 'VULNERABLE_CODE_NOT_PRESENT' },
    });
    expect(na.data?.setProductImpact).toMatchObject({ severity: 'LOW', severityScore: 1.8 });

    // NVD's score (v2 is fine for third parties) is kept beside, never counted.
    const nvd = await w.analyst.gql(SCORE, {
      i: { caseId, kind: 'THIRD_PARTY', vector: '(AV:N/AC:L/Au:N/C:C/I:C/A:C)', source: 'nvd@nist.gov' },
    });
    expect(nvd.data?.recordScore).toMatchObject({ severity: 'LOW' });

    const c = (await w.analyst.gql(CASE, { c: caseId })).data?.case;
    expect(c.scores.map((s: { kind: string; score: number }) => [s.kind, s.score])).toEqual([
      ['THIRD_PARTY', 10],
      ['AVSS', 1.8],
      ['AVSS', 3.1],
      ['AVSS', 8.8],
      ['VENDOR_BASE', 9.8],
      ['REPORTER', 10],
    ]);
    const gateway = c.impacts.find((i: { product: { key: string } }) => i.product.key === 'gateway');
    expect(gateway.avss).toMatchObject({
      score: 1.8,
      severity: 'LOW',
      rationale: 'Needs an admin session on the local console.',
      createdBy: { id: expect.any(String) },
      assessment: { version: 'V3_1', metrics: expect.arrayContaining([{ key: 'AV', valueName: 'Local' }]) },
    });
    // The history: who, when, why — newest first.
    expect(gateway.scores.map((s: { score: number }) => s.score)).toEqual([1.8, 8.8]);

    // The timeline tells the story of each score and each move of the severity.
    const types = c.timeline.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'SCORE_RECORDED')).toHaveLength(6);
    const moves = c.timeline
      .filter((e: { type: string }) => e.type === 'CASE_SEVERITY_CHANGED')
      .map((e: any) => e.data.to);
    expect(moves).toEqual([
      { severity: 'CRITICAL', score: 9.8, basis: 'VENDOR_BASE' },
      { severity: 'HIGH', score: 8.8, basis: 'AVSS' },
      { severity: 'LOW', score: 3.1, basis: 'AVSS' },
      { severity: 'LOW', score: 1.8, basis: 'AVSS' },
    ]);
    const audit = await w.admin.gql(
      '{ auditLog(first: 20, action: "case.score.recorded") { edges { node { data } } } }',
    );
    expect(audit.data?.auditLog.edges.map((e: any) => e.node.data.kind)).toEqual([
      'THIRD_PARTY',
      'AVSS',
      'AVSS',
      'AVSS',
      'VENDOR_BASE',
    ]);
  });

  it('records nothing twice: the same vector and rationale again is a no-op', async () => {
    const { caseId } = await openCase(app, w);
    const input = {
      caseId,
      kind: 'AVSS',
      product: 'gateway',
      vector: AVSS_HIGH,
      rationale: 'Reachable from the plant network.',
    };
    await w.gridSpecialist.gql(SCORE, { i: input });
    await w.gridSpecialist.gql(SCORE, { i: input });
    const c = (await w.analyst.gql(CASE, { c: caseId })).data?.case;
    expect(c.scores).toHaveLength(1);
  });

  it('guards who scores what, and refuses malformed or misplaced scores with the field named', async () => {
    const { caseId } = await openCase(app, w);
    const rationale = 'Not reachable in the default configuration.';
    const cases: [string, () => Promise<{ errors?: any[] }>, string, string | undefined, string | RegExp][] = [
      [
        'another line’s Prime',
        () =>
          w.buildingPrime.gql(SCORE, { i: { caseId, kind: 'AVSS', product: 'gateway', vector: AVSS_LOW, rationale } }),
        'NOT_FOUND',
        'caseId',
        /No case VAR-/,
      ],
      [
        'a Specialist, for the base score',
        () => w.gridSpecialist.gql(SCORE, { i: { caseId, kind: 'VENDOR_BASE', vector: BASE } }),
        'FORBIDDEN',
        undefined,
        "Only the PSIRT or the case's Product Security Prime may do this.",
      ],
      [
        'a Specialist, for a third-party score',
        () => w.gridSpecialist.gql(SCORE, { i: { caseId, kind: 'THIRD_PARTY', vector: BASE, source: 'nvd@nist.gov' } }),
        'FORBIDDEN',
        undefined,
        /roles/,
      ],
      [
        'a malformed vector',
        () =>
          w.gridSpecialist.gql(SCORE, {
            i: {
              caseId,
              kind: 'AVSS',
              product: 'gateway',
              vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H',
              rationale,
            },
          }),
        'VALIDATION',
        'input.vector',
        'input.vector: Availability (A) is missing: every CVSS v3.1 vector has AV, AC, PR, UI, S, C, I, A',
      ],
      [
        'a v2 AVSS',
        () =>
          w.gridSpecialist.gql(SCORE, {
            i: { caseId, kind: 'AVSS', product: 'gateway', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', rationale },
          }),
        'VALIDATION',
        'input.vector',
        /CVSS v2 is accepted only for third-party scores/,
      ],
      [
        'an AVSS without rationale',
        () => w.gridSpecialist.gql(SCORE, { i: { caseId, kind: 'AVSS', product: 'gateway', vector: AVSS_LOW } }),
        'VALIDATION',
        'input.rationale',
        /needs a rationale/,
      ],
      [
        'an AVSS without product',
        () => w.gridSpecialist.gql(SCORE, { i: { caseId, kind: 'AVSS', vector: AVSS_LOW, rationale } }),
        'VALIDATION',
        'input.product',
        /one product/,
      ],
      [
        'an AVSS for a product not on the case',
        () => w.gridSpecialist.gql(SCORE, { i: { caseId, kind: 'AVSS', product: 'rtu', vector: AVSS_LOW, rationale } }),
        'VALIDATION',
        'input.product',
        `input.product: rtu is not a product of ${caseId}; record its impact first (setProductImpact).`,
      ],
      [
        'a third-party score without source',
        () => w.analyst.gql(SCORE, { i: { caseId, kind: 'THIRD_PARTY', vector: BASE } }),
        'VALIDATION',
        'input.source',
        /source/,
      ],
      [
        'anonymous',
        () => app.anonymous.gql(SCORE, { i: { caseId, kind: 'VENDOR_BASE', vector: BASE } }),
        'UNAUTHENTICATED',
        undefined,
        /Sign in/,
      ],
    ];
    for (const [who, call, code, field, message] of cases) {
      const res = await call();
      expect({ who, code: res.errors?.[0]?.extensions?.code, field: res.errors?.[0]?.extensions?.field }).toEqual({
        who,
        code,
        field,
      });
      if (typeof message === 'string') expect(res.errors?.[0]?.message).toBe(message);
      else expect(res.errors?.[0]?.message).toMatch(message);
    }
    // Nothing was written by any of them.
    const c = (await w.analyst.gql(CASE, { c: caseId })).data?.case;
    expect([c.scores, c.severity]).toEqual([[], null]);
  });

  it('refuses a malformed reporter vector at submission with the calculator’s message', async () => {
    const res = await app.anonymous.gql(SUBMIT, {
      input: reportInput({ cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Q' }),
    });
    expect(res.errors?.[0]).toMatchObject({
      message: 'input.cvssVector: E:Q is not a value of Exploit Code Maturity (allowed: X, H, F, P, U)',
      extensions: { code: 'VALIDATION', field: 'input.cvssVector' },
    });
  });

  it('filters and sorts cases by severity; unscored cases never match a minimum', async () => {
    const scored: [string, string][] = [];
    // 9.8 CRITICAL, 2.0 LOW, 8.1 HIGH
    for (const vector of [
      BASE,
      'CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N',
      'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N',
    ]) {
      const { caseId } = await openCase(app, w);
      await w.analyst.gql(SCORE, { i: { caseId, kind: 'VENDOR_BASE', vector } });
      scored.push([caseId, vector]);
    }
    const { caseId: unscored } = await openCase(app, w);
    const list = await w.analyst.gql(
      `{ cases(first: 100, filter: { minSeverity: HIGH }, orderBy: SEVERITY_DESC) { totalCount edges { node { publicId severity severityScore } } } }`,
    );
    const ids = list.data?.cases.edges.map((e: any) => e.node.publicId) as string[];
    expect(ids).toContain(scored[0]?.[0]);
    expect(ids).toContain(scored[2]?.[0]);
    expect(ids).not.toContain(scored[1]?.[0]);
    expect(ids).not.toContain(unscored);
    const scores = list.data?.cases.edges.map((e: any) => e.node.severityScore) as number[];
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(list.data?.cases.edges.every((e: any) => ['HIGH', 'CRITICAL'].includes(e.node.severity))).toBe(true);
  });
});
