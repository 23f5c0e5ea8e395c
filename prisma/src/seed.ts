// The demo dataset loaded into an empty database by `psirt start` (unless
// PSIRT_DEMO=0): enough of a PSIRT's world to click through the API at once.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AdvisoryContent, parseMarkets, type Role, scoreCvss } from '@psirt/schema';
import type { Db, Tx } from './client.ts';
import { allocatePublicId } from './ids.ts';
import { ensurePrivateDir } from './lock.ts';
import { hashToken, issueUserToken } from './tokens.ts';

const DEMO_DOMAIN = 'psirt.example';

const DEMO_USERS: { key: string; name: string; roles: Role[] }[] = [
  { key: 'admin', name: 'Ada Admin', roles: ['ADMIN'] },
  { key: 'analyst', name: 'Alex Analyst', roles: ['ANALYST'] },
  { key: 'psp', name: 'Priya Prime', roles: ['PRODUCT_SECURITY_PRIME'] },
  { key: 'pss', name: 'Sam Specialist', roles: ['PRODUCT_SECURITY_SPECIALIST'] },
  { key: 'committee', name: 'Chris Committee', roles: ['COMMITTEE_MEMBER'] },
  { key: 'auditor', name: 'Avery Auditor', roles: ['AUDITOR'] },
  { key: 'integrator', name: 'Ivy Integrator (ticketing bridge)', roles: ['INTEGRATOR'] },
];

const PRODUCT_LINES = [
  {
    key: 'grid-automation',
    name: 'Grid Automation',
    description: 'Substation and distribution automation.',
    markets: ['DE', 'FR', 'IT', 'NL', 'ES'],
    products: [
      { key: 'rtu-500', name: 'RTU500 Remote Terminal Unit', versions: ['12.7', '13.2', '13.4'] },
      { key: 'gridlink-gateway', name: 'GridLink Gateway', versions: ['4.1.0', '4.2.0', '4.2.1'] },
    ],
  },
  {
    key: 'building-controls',
    name: 'Building Controls',
    description: 'Building management systems and controllers.',
    markets: ['DE', 'AT'],
    products: [{ key: 'bms-c300', name: 'BMS Controller C300', versions: ['2.0', '2.1'] }],
  },
  {
    key: 'industrial-networking',
    name: 'Industrial Networking',
    description: 'Managed switches and secure remote access.',
    markets: ['EU'],
    products: [{ key: 'is-24', name: 'IS-24 Industrial Switch', versions: ['7.3.1', '7.4.0'] }],
  },
];

export interface DemoDataset {
  users: Record<string, string>;
  reportPublicId: string;
  casePublicId: string;
  /** The case with a CRA Art. 14 notification running (an actively exploited switch). */
  exploitedCase: string;
  /** The published demo advisory, and the one awaiting the committee. */
  publishedAdvisory: string;
  advisoryInReview: string;
}

/**
 * Loads the demo dataset if the database has no users yet; returns null when
 * it did nothing. One transaction: a failure leaves the database empty.
 */
export async function seedDemo(db: Db, now = new Date()): Promise<DemoDataset | null> {
  return db.$transaction(
    async (tx) => {
      // Several instances may start together on one empty PostgreSQL database:
      // the first to take this lock seeds, the others find users and step back.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${0x70736973}::bigint)`;
      if ((await tx.user.count()) > 0) return null;
      const users: Record<string, string> = {};
      for (const u of DEMO_USERS) {
        const row = await tx.user.create({
          data: { email: `${u.key}@${DEMO_DOMAIN}`, name: u.name, roles: u.roles },
          select: { id: true },
        });
        users[u.key] = row.id;
      }
      const products: Record<string, string> = {};
      for (const line of PRODUCT_LINES) {
        const pl = await tx.productLine.create({
          data: { key: line.key, name: line.name, description: line.description, markets: parseMarkets(line.markets) },
          select: { id: true },
        });
        for (const p of line.products) {
          const row = await tx.product.create({
            data: {
              key: p.key,
              name: p.name,
              productLineId: pl.id,
              cpe: `cpe:2.3:h:example:${p.key.replace(/-/g, '_')}`,
              versions: { create: p.versions.map((version) => ({ version })) },
            },
            select: { id: true },
          });
          products[p.key] = row.id;
        }
      }
      const gridLine = await tx.productLine.findUniqueOrThrow({ where: { key: 'grid-automation' } });
      await tx.productLineMember.createMany({
        data: [
          { productLineId: gridLine.id, userId: users.psp as string, role: 'PRIME' },
          { productLineId: gridLine.id, userId: users.pss as string, role: 'SPECIALIST' },
        ],
      });

      const reporter = await tx.reporter.create({
        data: {
          kind: 'RESEARCHER',
          name: 'Dana Researcher',
          organization: 'Example Security Lab',
          email: 'dana@research.example',
          creditPreference: 'NAME_AND_ORGANIZATION',
        },
      });

      const day = 24 * 3600 * 1000;
      const receivedAt = new Date(now.getTime() - 3 * day);
      const casePublicId = await allocatePublicId(tx, 'VAR', now);
      const kase = await tx.analysisCase.create({
        data: {
          publicId: casePublicId,
          title: 'Authentication bypass in the GridLink Gateway web interface',
          summary: 'A crafted session cookie grants administrative access to the web interface.',
          state: 'ANALYSIS',
          embargoUntil: new Date(now.getTime() + 60 * day),
          lastReporterUpdateAt: new Date(receivedAt.getTime() + 3600 * 1000),
          cweIds: ['CWE-287'],
          createdById: users.analyst ?? null,
          members: {
            create: [
              { userId: users.analyst as string, role: 'ANALYST' },
              { userId: users.psp as string, role: 'PRIME' },
              { userId: users.pss as string, role: 'SPECIALIST' },
            ],
          },
          impacts: {
            create: [
              {
                productId: products['gridlink-gateway'] as string,
                status: 'AFFECTED',
                affectedVersions: '>=4.1.0 <4.2.1',
                fixedVersion: '4.2.1',
                fixEta: new Date(now.getTime() + 21 * day),
                updatedById: users.pss ?? null,
              },
              { productId: products['rtu-500'] as string, status: 'UNDER_INVESTIGATION' },
            ],
          },
        },
      });
      const reportPublicId = await allocatePublicId(tx, 'VSR', receivedAt);
      const report = await tx.vulnerabilityReport.create({
        data: {
          publicId: reportPublicId,
          title: 'Admin access to GridLink Gateway without a password',
          description:
            'Setting the "gl_session" cookie to a value derived from the device serial number gives admin access to the web UI.',
          channel: 'WEB_FORM',
          reporterId: reporter.id,
          reportedProducts: 'GridLink Gateway 4.2.0',
          reporterCvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          receivedAt,
          acknowledgedAt: new Date(receivedAt.getTime() + 3600 * 1000),
          triageOutcome: 'ACCEPTED',
          triagedAt: new Date(receivedAt.getTime() + day),
          triagedById: users.analyst ?? null,
          caseId: kase.id,
        },
      });
      // The reporter's own claim, kept beside (never replaced by) the vendor's scores: the
      // vendor's base score, and the gateway's AVSS (only reachable from the plant network),
      // which is the case's severity.
      const scores = [
        {
          kind: 'REPORTER',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          by: null,
          product: null,
          why: null,
        },
        {
          kind: 'VENDOR_BASE',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          by: users.analyst,
          product: null,
          why: null,
        },
        {
          kind: 'AVSS',
          vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          by: users.pss,
          product: products['gridlink-gateway'],
          why: 'The web interface is only reachable from the plant network segment in supported deployments.',
        },
      ] as const;
      for (const [i, s] of scores.entries()) {
        const scored = scoreCvss(s.vector);
        await tx.score.create({
          data: {
            kind: s.kind,
            version: 'V3_1',
            vector: scored.vector,
            baseScore: scored.baseScore.toFixed(1),
            score: scored.score.toFixed(1),
            severity: scored.severity,
            rationale: s.why,
            caseId: kase.id,
            productId: s.product ?? null,
            createdById: s.by ?? null,
            createdAt: new Date(receivedAt.getTime() + (i + 1) * day),
          },
        });
      }
      const avss = scoreCvss(scores[2].vector);
      await tx.analysisCase.update({
        where: { id: kase.id },
        data: { severity: avss.severity, severityScore: avss.score.toFixed(1) },
      });
      await tx.reporterMessage.create({
        data: {
          reporterId: reporter.id,
          reportId: report.id,
          direction: 'OUTBOUND',
          kind: 'ACKNOWLEDGEMENT',
          subject: `[${reportPublicId}] We received your report`,
          body: 'Thank you for your report. The PSIRT will analyse it and keep you informed.',
          createdAt: new Date(receivedAt.getTime() + 3600 * 1000),
          sentAt: new Date(receivedAt.getTime() + 3600 * 1000),
        },
      });
      await tx.timelineEvent.createMany({
        data: [
          { type: 'report.received', reportId: report.id, createdAt: receivedAt },
          { type: 'report.acknowledged', reportId: report.id, createdAt: new Date(receivedAt.getTime() + 3600 * 1000) },
          {
            type: 'report.triaged',
            reportId: report.id,
            caseId: kase.id,
            actorId: users.analyst ?? null,
            data: { outcome: 'ACCEPTED' },
            createdAt: new Date(receivedAt.getTime() + day),
          },
          { type: 'case.opened', caseId: kase.id, actorId: users.analyst ?? null, createdAt: now },
        ],
      });
      const advisories = await seedDemoAdvisories(tx, {
        users,
        products,
        now,
        firstCase: { id: kase.id, publicId: casePublicId, avss: scoreCvss(scores[2].vector) },
      });
      const exploitedCase = await seedDemoCra(tx, { users, products, now });
      return { users, reportPublicId, casePublicId, exploitedCase, ...advisories };
    },
    { timeout: 30_000, maxWait: 30_000 },
  );
}

export interface DemoToken {
  email: string;
  roles: Role[];
  token: string;
}

/**
 * The demo API tokens, one per demo user, kept in `<dataDir>/demo-tokens.json`
 * (mode 0600, never committed) so every start prints the same working tokens.
 * Tokens that no longer work (new database, revoked) are issued anew.
 */
export async function ensureDemoTokens(db: Db, dataDir: string): Promise<DemoToken[]> {
  const file = path.join(dataDir, 'demo-tokens.json');
  const users = await db.user.findMany({
    where: { email: { in: DEMO_USERS.map((u) => `${u.key}@${DEMO_DOMAIN}`) }, disabledAt: null },
    select: { id: true, email: true, roles: true },
  });
  let saved: Record<string, string> = {};
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      saved = {};
    }
  }
  const out: DemoToken[] = [];
  let changed = false;
  for (const key of DEMO_USERS.map((u) => u.key)) {
    const user = users.find((u) => u.email === `${key}@${DEMO_DOMAIN}`);
    if (!user) continue;
    let secret = saved[user.email];
    const valid =
      secret !== undefined &&
      (await db.apiToken.count({
        where: { tokenHash: hashToken(secret), userId: user.id, revokedAt: null },
      })) > 0;
    if (!valid) {
      secret = (await issueUserToken(db, { userId: user.id, name: 'demo' })).secret;
      saved[user.email] = secret;
      changed = true;
    }
    out.push({ email: user.email, roles: user.roles as Role[], token: secret as string });
  }
  if (changed) {
    ensurePrivateDir(dataDir);
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return out;
}

/**
 * The demo's advisories, so a newcomer sees the whole path on first start:
 * a second case (a fixed denial of service in the RTU500) whose advisory is
 * published — on the website, in the feeds and as CSAF — and an advisory for
 * the first case waiting for the committee (a committee of one in the demo).
 * Written as the API would have written them; the content is what a review
 * would have frozen.
 */
async function seedDemoAdvisories(
  tx: Tx,
  d: {
    users: Record<string, string>;
    products: Record<string, string>;
    now: Date;
    firstCase: { id: string; publicId: string; avss: ReturnType<typeof scoreCvss> };
  },
) {
  const day = 24 * 3600 * 1000;
  const at = (daysAgo: number) => new Date(d.now.getTime() - daysAgo * day);
  const { users, products } = d;
  await tx.setting.create({ data: { key: 'committee', value: { quorum: 1, majority: 'SIMPLE' } } });

  // The second case: found by a CERT, fixed in 13.4, disclosed.
  const cert = await tx.reporter.create({
    data: {
      kind: 'CERT',
      name: 'Incident desk',
      organization: 'Example National CERT',
      email: 'desk@cert.example',
      creditPreference: 'ORGANIZATION',
    },
  });
  const casePublicId = await allocatePublicId(tx, 'VAR', d.now);
  const avssVector = 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H';
  const avss = scoreCvss(avssVector);
  const kase = await tx.analysisCase.create({
    data: {
      publicId: casePublicId,
      title: 'Denial of service in the RTU500 IEC 61850 stack',
      summary: 'A malformed MMS request makes the RTU500 restart its communication stack.',
      state: 'DISCLOSURE',
      cweIds: ['CWE-20'],
      severity: avss.severity,
      severityScore: avss.score.toFixed(1),
      lastReporterUpdateAt: at(2),
      createdById: users.analyst ?? null,
      createdAt: at(40),
      members: {
        create: [
          { userId: users.analyst as string, role: 'ANALYST' },
          { userId: users.psp as string, role: 'PRIME' },
          { userId: users.pss as string, role: 'SPECIALIST' },
        ],
      },
      impacts: {
        create: [
          {
            productId: products['rtu-500'] as string,
            status: 'AFFECTED',
            affectedVersions: '<13.4',
            fixedVersion: '13.4',
            updatedById: users.pss ?? null,
          },
        ],
      },
      mitigations: {
        create: [
          {
            productId: products['rtu-500'] as string,
            kind: 'FIX',
            description: 'Update the RTU500 firmware to 13.4.',
            fixVersion: '13.4',
            availableAt: at(5),
            createdById: users.pss ?? null,
          },
          {
            productId: products['rtu-500'] as string,
            kind: 'RESTRICTION',
            description: 'Allow MMS (TCP 102) only from the station computer.',
            createdById: users.pss ?? null,
          },
        ],
      },
      scores: {
        create: [
          {
            kind: 'AVSS',
            version: 'V3_1',
            vector: avss.vector,
            baseScore: avss.baseScore.toFixed(1),
            score: avss.score.toFixed(1),
            severity: avss.severity,
            rationale: 'MMS is only reachable on the station bus; confidentiality and integrity are not affected.',
            productId: products['rtu-500'] as string,
            createdById: users.pss ?? null,
            createdAt: at(20),
          },
        ],
      },
      cveAssignments: {
        // The vendor's own CNA (its CVE Services short name, as `psirt` derives it from the publisher by default).
        create: [{ cveId: 'CVE-2026-0101', state: 'PUBLISHED', assigner: 'examplevendor', createdAt: at(30) }],
      },
    },
  });
  await tx.vulnerabilityReport.create({
    data: {
      publicId: await allocatePublicId(tx, 'VSR', d.now),
      title: 'RTU500 restarts on malformed MMS request',
      description: 'Sending a truncated MMS Initiate-Request to TCP 102 restarts the communication stack.',
      channel: 'EMAIL',
      reporterId: cert.id,
      reportedProducts: 'RTU500 13.2',
      receivedAt: at(41),
      acknowledgedAt: at(41),
      triageOutcome: 'ACCEPTED',
      triagedAt: at(40),
      triagedById: users.analyst ?? null,
      caseId: kase.id,
    },
  });

  const content: AdvisoryContent = {
    title: 'RTU500: denial of service through malformed MMS requests',
    summary:
      'A malformed MMS request makes the RTU500 restart its communication stack. Update to firmware 13.4; until then, allow MMS only from the station computer.',
    tlp: 'CLEAR',
    cases: [
      {
        publicId: casePublicId,
        title: 'Denial of service in the RTU500 IEC 61850 stack',
        severity: avss.severity,
        severityScore: avss.score,
        exploitationObserved: false,
        publiclyKnown: false,
        cves: ['CVE-2026-0101'],
      },
    ],
    cves: ['CVE-2026-0101'],
    cwes: ['CWE-20'],
    products: [
      {
        case: casePublicId,
        key: 'rtu-500',
        name: 'RTU500 Remote Terminal Unit',
        productLine: 'Grid Automation',
        status: 'AFFECTED',
        justification: null,
        justificationText: null,
        affectedVersions: '<13.4',
        fixedVersion: '13.4',
        fixEta: null,
        avss: { version: 'V3_1', vector: avss.vector, score: avss.score, severity: avss.severity },
      },
    ],
    remediations: [
      {
        case: casePublicId,
        kind: 'FIX',
        description: 'Update the RTU500 firmware to 13.4.',
        product: 'rtu-500',
        fixVersion: '13.4',
        availableAt: at(5).toISOString(),
      },
      {
        case: casePublicId,
        kind: 'RESTRICTION',
        description: 'Allow MMS (TCP 102) only from the station computer.',
        product: 'rtu-500',
        fixVersion: null,
        availableAt: null,
      },
    ],
    credits: ['Example National CERT'],
  };
  const published = await tx.advisory.create({
    data: {
      publicId: await allocatePublicId(tx, 'SA', d.now),
      title: content.title,
      summary: content.summary,
      state: 'PUBLISHED',
      currentRevision: 1,
      publishedRevision: 1,
      publicationBasis: 'FIXES_AVAILABLE',
      publishedAt: at(2),
      createdById: users.analyst ?? null,
      createdAt: at(4),
      cases: { create: [{ caseId: kase.id }] },
      revisions: {
        create: [
          {
            number: 1,
            content: content as never,
            changelog: 'Initial release',
            createdById: users.analyst ?? null,
            createdAt: at(3),
            votes: { create: [{ voterId: users.committee as string, decision: 'APPROVE', createdAt: at(3) }] },
          },
        ],
      },
    },
  });
  const tally = { approve: 1, reject: 0, abstain: 0, missing: 0, decision: 'APPROVED' };
  await tx.timelineEvent.createMany({
    data: [
      {
        type: 'advisory.created',
        advisoryId: published.id,
        actorId: users.analyst ?? null,
        data: { publicId: published.publicId, cases: [casePublicId] },
        createdAt: at(4),
      },
      {
        type: 'advisory.review.requested',
        advisoryId: published.id,
        actorId: users.analyst ?? null,
        data: { revision: 1, changelog: 'Initial release' },
        createdAt: at(3),
      },
      {
        type: 'advisory.vote.cast',
        advisoryId: published.id,
        actorId: users.committee ?? null,
        data: { revision: 1, decision: 'APPROVE', previous: null, comment: null, tally },
        createdAt: at(3),
      },
      {
        type: 'advisory.decided',
        advisoryId: published.id,
        actorId: users.committee ?? null,
        data: { revision: 1, decision: 'APPROVED', tally },
        createdAt: at(3),
      },
      {
        type: 'advisory.published',
        advisoryId: published.id,
        actorId: users.analyst ?? null,
        data: { revision: 1, basis: 'FIXES_AVAILABLE', early: false },
        createdAt: at(2),
      },
    ],
  });

  // The first case's advisory, frozen for review and waiting for the committee.
  const review = await tx.advisory.create({
    data: {
      publicId: await allocatePublicId(tx, 'SA', d.now),
      title: 'GridLink Gateway: authentication bypass in the web interface',
      state: 'IN_REVIEW',
      currentRevision: 1,
      createdById: users.analyst ?? null,
      createdAt: d.now,
      cases: { create: [{ caseId: d.firstCase.id }] },
      revisions: {
        create: [
          {
            number: 1,
            content: {
              title: 'GridLink Gateway: authentication bypass in the web interface',
              summary: 'A crafted session cookie grants administrative access to the GridLink Gateway web interface.',
              tlp: 'CLEAR',
              cases: [
                {
                  publicId: d.firstCase.publicId,
                  title: 'Authentication bypass in the GridLink Gateway web interface',
                  severity: d.firstCase.avss.severity,
                  severityScore: d.firstCase.avss.score,
                  exploitationObserved: false,
                  publiclyKnown: false,
                  cves: [],
                },
              ],
              cves: [],
              cwes: ['CWE-287'],
              products: [
                {
                  case: d.firstCase.publicId,
                  key: 'gridlink-gateway',
                  name: 'GridLink Gateway',
                  productLine: 'Grid Automation',
                  status: 'AFFECTED',
                  justification: null,
                  justificationText: null,
                  affectedVersions: '>=4.1.0 <4.2.1',
                  fixedVersion: '4.2.1',
                  fixEta: null,
                  avss: {
                    version: 'V3_1',
                    vector: d.firstCase.avss.vector,
                    score: d.firstCase.avss.score,
                    severity: d.firstCase.avss.severity,
                  },
                },
                {
                  case: d.firstCase.publicId,
                  key: 'rtu-500',
                  name: 'RTU500 Remote Terminal Unit',
                  productLine: 'Grid Automation',
                  status: 'UNDER_INVESTIGATION',
                  justification: null,
                  justificationText: null,
                  affectedVersions: null,
                  fixedVersion: null,
                  fixEta: null,
                  avss: null,
                },
              ],
              remediations: [],
              credits: ['Dana Researcher (Example Security Lab)'],
            } satisfies AdvisoryContent as never,
            changelog: 'Initial release',
            createdById: users.analyst ?? null,
            createdAt: d.now,
          },
        ],
      },
    },
  });
  await tx.timelineEvent.createMany({
    data: [
      {
        type: 'advisory.created',
        advisoryId: review.id,
        actorId: users.analyst ?? null,
        data: { publicId: review.publicId },
        createdAt: d.now,
      },
      {
        type: 'advisory.review.requested',
        advisoryId: review.id,
        actorId: users.analyst ?? null,
        data: { revision: 1, changelog: 'Initial release' },
        createdAt: d.now,
      },
    ],
  });
  return { publishedAdvisory: published.publicId, advisoryInReview: review.publicId };
}

/**
 * The demo's CRA Art. 14 notification: a third case, an authentication bypass
 * in the IS-24 switch that a customer saw exploited, with a workaround and the
 * PSIRT's recorded judgement of when it became aware — 30 hours before the demo
 * started, so its early warning shows overdue and its notification due.
 */
async function seedDemoCra(tx: Tx, d: { users: Record<string, string>; products: Record<string, string>; now: Date }) {
  const hour = 3600 * 1000;
  const ago = (hours: number) => new Date(d.now.getTime() - hours * hour);
  const avss = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
  const publicId = await allocatePublicId(tx, 'VAR', d.now);
  const basis =
    'A customer’s SOC sent logs of the management interface being logged into without credentials from two external addresses; reproduced in the lab.';
  const kase = await tx.analysisCase.create({
    data: {
      publicId,
      title: 'Authentication bypass in the IS-24 switch management interface',
      summary:
        'A request to the management interface with an empty session token is treated as an authenticated administrator.',
      state: 'REMEDIATION',
      cweIds: ['CWE-287'],
      severity: avss.severity,
      severityScore: avss.score.toFixed(1),
      exploitationObserved: true,
      exploitationObservedAt: ago(30),
      exploitationSource: 'customer SOC logs',
      lastReporterUpdateAt: ago(30),
      createdById: d.users.analyst ?? null,
      createdAt: ago(32),
      members: { create: [{ userId: d.users.analyst as string, role: 'ANALYST' }] },
      impacts: {
        create: [
          {
            productId: d.products['is-24'] as string,
            status: 'AFFECTED',
            affectedVersions: '<7.4.1',
            updatedById: d.users.analyst ?? null,
          },
        ],
      },
      mitigations: {
        create: [
          {
            productId: d.products['is-24'] as string,
            kind: 'RESTRICTION',
            description: 'Reach the management interface only from a dedicated management VLAN.',
            createdById: d.users.analyst ?? null,
            createdAt: ago(20),
          },
        ],
      },
      scores: {
        create: [
          {
            kind: 'AVSS',
            version: 'V3_1',
            vector: avss.vector,
            baseScore: avss.baseScore.toFixed(1),
            score: avss.score.toFixed(1),
            severity: avss.severity,
            rationale: 'The management interface is often reachable from plant networks.',
            productId: d.products['is-24'] as string,
            createdById: d.users.analyst ?? null,
            createdAt: ago(28),
          },
        ],
      },
      craNotifications: {
        create: [
          {
            kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
            awareAt: ago(30),
            basis,
            decidedById: d.users.analyst ?? null,
            createdAt: ago(29),
          },
        ],
      },
    },
  });
  await tx.timelineEvent.createMany({
    data: [
      { type: 'case.opened', caseId: kase.id, actorId: d.users.analyst ?? null, createdAt: ago(32) },
      {
        type: 'cra.started',
        caseId: kase.id,
        actorId: d.users.analyst ?? null,
        data: { kind: 'ACTIVELY_EXPLOITED_VULNERABILITY', awareAt: ago(30).toISOString(), basis },
        createdAt: ago(29),
      },
    ],
  });
  return publicId;
}
