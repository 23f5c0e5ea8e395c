// The demo dataset loaded into an empty database by `psirt start` (unless
// PSIRT_DEMO=0): enough of a PSIRT's world to click through the API at once.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Role, scoreCvss } from '@psirt/schema';
import type { Db } from './client.ts';
import { allocatePublicId } from './ids.ts';
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
    products: [
      { key: 'rtu-500', name: 'RTU500 Remote Terminal Unit', versions: ['12.7', '13.2', '13.4'] },
      { key: 'gridlink-gateway', name: 'GridLink Gateway', versions: ['4.1.0', '4.2.0', '4.2.1'] },
    ],
  },
  {
    key: 'building-controls',
    name: 'Building Controls',
    description: 'Building management systems and controllers.',
    products: [{ key: 'bms-c300', name: 'BMS Controller C300', versions: ['2.0', '2.1'] }],
  },
  {
    key: 'industrial-networking',
    name: 'Industrial Networking',
    description: 'Managed switches and secure remote access.',
    products: [{ key: 'is-24', name: 'IS-24 Industrial Switch', versions: ['7.3.1', '7.4.0'] }],
  },
];

export interface DemoDataset {
  users: Record<string, string>;
  reportPublicId: string;
  casePublicId: string;
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
          data: { key: line.key, name: line.name, description: line.description },
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
      return { users, reportPublicId, casePublicId };
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
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return out;
}
