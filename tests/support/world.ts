// A small PSIRT world for case tests: two product lines with their Primes and
// Specialists, products, an analyst, an admin — each signed in.
import type { Client, TestApp } from './app.ts';

export interface World {
  admin: Client & { userId: string };
  analyst: Client & { userId: string };
  gridPrime: Client & { userId: string };
  gridSpecialist: Client & { userId: string };
  buildingPrime: Client & { userId: string };
  outsider: Client & { userId: string };
  integrator: Client & { userId: string };
  auditor: Client & { userId: string };
  committee: Client & { userId: string };
}

export async function makeWorld(app: TestApp): Promise<World> {
  const [admin, analyst, gridPrime, gridSpecialist, buildingPrime, outsider, integrator, auditor, committee] =
    await Promise.all([
      app.login('ADMIN'),
      app.login('ANALYST'),
      app.login('PRODUCT_SECURITY_PRIME'),
      app.login('PRODUCT_SECURITY_SPECIALIST'),
      app.login('PRODUCT_SECURITY_PRIME'),
      app.login('PRODUCT_SECURITY_SPECIALIST'),
      app.login('INTEGRATOR'),
      app.login('AUDITOR'),
      app.login('COMMITTEE_MEMBER'),
    ]);
  const db = app.db.prisma;
  const grid = await db.productLine.create({ data: { key: 'grid', name: 'Grid Automation' } });
  const building = await db.productLine.create({ data: { key: 'building', name: 'Building Controls' } });
  await db.product.createMany({
    data: [
      { key: 'gateway', name: 'GridLink Gateway', productLineId: grid.id },
      { key: 'rtu', name: 'RTU500', productLineId: grid.id },
      { key: 'bms', name: 'BMS Controller', productLineId: building.id },
    ],
  });
  await db.productLineMember.createMany({
    data: [
      { productLineId: grid.id, userId: gridPrime.userId, role: 'PRIME' },
      { productLineId: grid.id, userId: gridSpecialist.userId, role: 'SPECIALIST' },
      { productLineId: building.id, userId: buildingPrime.userId, role: 'PRIME' },
    ],
  });
  return { admin, analyst, gridPrime, gridSpecialist, buildingPrime, outsider, integrator, auditor, committee };
}

export const SUBMIT = `mutation($input: SubmitVulnerabilityReportInput!) {
  submitVulnerabilityReport(input: $input) { publicId reporterToken replayed }
}`;

export function reportInput(over: Record<string, unknown> = {}) {
  return {
    title: 'Admin access without a password',
    description: 'Setting the gl_session cookie to a value derived from the serial number gives admin access.',
    affectedProducts: 'GridLink Gateway 4.2.0',
    reporter: { kind: 'RESEARCHER', name: 'Rhea Reporter', email: 'rhea@example.org', confidential: true },
    ...over,
  };
}

/** Submits a report anonymously and accepts it into a case; returns both ids. */
export async function openCase(app: TestApp, w: World, products: string[] = ['gateway']) {
  const sub = await app.anonymous.gql(SUBMIT, { input: reportInput() });
  if (sub.errors) throw new Error(JSON.stringify(sub.errors));
  const { publicId, reporterToken } = sub.data?.submitVulnerabilityReport ?? {};
  const acc = await w.analyst.gql(
    'mutation($r: String!, $p: [String!]) { acceptReport(reportId: $r, products: $p) { id publicId } }',
    { r: publicId, p: products },
  );
  if (acc.errors) throw new Error(JSON.stringify(acc.errors));
  return {
    reportId: publicId as string,
    reporterToken: reporterToken as string,
    caseId: acc.data?.acceptReport.publicId as string,
    caseNodeId: acc.data?.acceptReport.id as string,
  };
}
