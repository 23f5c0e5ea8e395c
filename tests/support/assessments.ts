// Third-party CVE assessments as one sorted line each, for assertions:
// "rtu 2.1: acme-modbus 2.3.1 CVE-2026-10001 IN_TRIAGE".
import type { TestApp } from './app.ts';

export async function assessmentLines(app: TestApp): Promise<string[]> {
  const rows = await app.db.prisma.componentAssessment.findMany({
    select: {
      state: true,
      vulnerability: { select: { cveId: true } },
      component: { select: { name: true, version: true, productVersion: { select: { version: true } } } },
      product: { select: { key: true } },
    },
  });
  return rows
    .map(
      (r) =>
        `${r.product.key} ${r.component.productVersion.version}: ${r.component.name} ${r.component.version} ${r.vulnerability.cveId} ${r.state}`,
    )
    .sort();
}
