// The dashboard workload shared by the batching test and `npm run bench -- api`:
// many cases, each with reports from (some confidential) reporters, product
// impacts, a score history and a team — written in bulk, straight to the database.
import { randomUUID } from 'node:crypto';
import type { Db } from '@psirt/db';

export const DASHBOARD_QUERY = `query Dashboard($first: Int!) {
  cases(first: $first, orderBy: UPDATED_DESC) {
    totalCount
    edges { node {
      id publicId title state nextUpdateDue updateOverdue embargoUntil
      reports { publicId receivedAt reporter { kind name organization confidential } }
      impacts { status fixedVersion product { key name } }
      scores { kind score severity vector product { key } }
      members { role user { name email } }
    } }
  }
}`;

export async function seedDashboard(db: Db, cases: number): Promise<void> {
  const lines = await Promise.all(
    ['grid', 'building'].map((key) =>
      db.productLine.upsert({
        where: { key: `bench-${key}` },
        create: { key: `bench-${key}`, name: `Bench ${key}` },
        update: {},
      }),
    ),
  );
  const products = await Promise.all(
    [0, 1, 2].map((i) =>
      db.product.upsert({
        where: { key: `bench-product-${i}` },
        create: {
          key: `bench-product-${i}`,
          name: `Bench product ${i}`,
          productLineId: (lines[i % 2] as { id: string }).id,
        },
        update: {},
      }),
    ),
  );
  const users = await Promise.all(
    [0, 1, 2, 3].map((i) =>
      db.user.upsert({
        where: { email: `bench-${i}@bench.example` },
        create: {
          email: `bench-${i}@bench.example`,
          name: `Bench user ${i}`,
          roles: [i === 0 ? 'ANALYST' : 'PRODUCT_SECURITY_SPECIALIST'],
        },
        update: {},
      }),
    ),
  );
  const start = await db.analysisCase.count();
  const caseRows = [];
  const reporterRows = [];
  const reportRows = [];
  const impactRows = [];
  const scoreRows = [];
  const memberRows = [];
  const now = Date.now();
  for (let i = 0; i < cases; i++) {
    const n = start + i + 1;
    const caseId = randomUUID();
    const reporterId = randomUUID();
    caseRows.push({
      id: caseId,
      publicId: `VAR-2099-${String(n).padStart(5, '0')}`,
      title: `Bench case ${n}`,
      state: (['ANALYSIS', 'REMEDIATION', 'DISCLOSURE'] as const)[n % 3],
      createdAt: new Date(now - n * 3_600_000),
      lastReporterUpdateAt: new Date(now - (n % 20) * 86_400_000),
    });
    reporterRows.push({
      id: reporterId,
      kind: 'RESEARCHER' as const,
      name: `Reporter ${n}`,
      organization: 'Lab',
      confidential: n % 2 === 0,
    });
    reportRows.push({
      publicId: `VSR-2099-${String(n).padStart(5, '0')}`,
      title: `Bench report ${n}`,
      description: 'A bench report.',
      channel: 'API' as const,
      reporterId,
      caseId,
      triageOutcome: 'ACCEPTED' as const,
      acknowledgedAt: new Date(),
    });
    for (const [j, p] of products.entries()) {
      impactRows.push({
        caseId,
        productId: p.id,
        status: (['AFFECTED', 'NOT_AFFECTED', 'UNDER_INVESTIGATION'] as const)[(n + j) % 3],
        ...((n + j) % 3 === 1 ? { justification: 'COMPONENT_NOT_PRESENT' as const } : {}),
      });
      scoreRows.push({
        caseId,
        productId: p.id,
        kind: 'AVSS' as const,
        version: 'V3_1' as const,
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        baseScore: '9.8',
        score: '9.8',
        severity: 'CRITICAL' as const,
      });
    }
    scoreRows.push({
      caseId,
      kind: 'REPORTER' as const,
      version: 'V3_1' as const,
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      baseScore: '9.8',
      score: '9.8',
      severity: 'CRITICAL' as const,
    });
    for (const [j, u] of users.entries())
      memberRows.push({ caseId, userId: u.id, role: j === 0 ? ('ANALYST' as const) : ('SPECIALIST' as const) });
  }
  await db.analysisCase.createMany({ data: caseRows });
  await db.reporter.createMany({ data: reporterRows });
  await db.vulnerabilityReport.createMany({ data: reportRows });
  await db.productImpact.createMany({ data: impactRows });
  await db.score.createMany({ data: scoreRows });
  await db.caseMember.createMany({ data: memberRows });
  // After a bulk load, as PostgreSQL's autovacuum (or the app, on PGlite) would soon do: measured
  // before it, the planner knows no table sizes and scans whole tables for a page's relations.
  await db.$executeRawUnsafe('ANALYZE');
}
