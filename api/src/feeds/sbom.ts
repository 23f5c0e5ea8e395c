// A product version's components from a CycloneDX SBOM (JSON, spec 1.4–1.6).
// Only what inventory needs is read — name, version, group, supplier, purl,
// cpe, nested components — and checked with zod, so a file that is not a
// CycloneDX BOM, or a component without a name, is refused with where and why.
// Re-importing replaces the version's list: components that are still there
// (same purl, else CPE, else group/name@version) keep their rows and so their
// assessments; the others go, with theirs.
import { type AuditEntry, appendAudit, type Db } from '@psirt/db';
import { DomainError, parseCpe } from '@psirt/schema';
import { z } from 'zod';
import { PURL_EXPECTED, purlKey } from './purl.ts';

interface BomComponent {
  type?: string;
  name: string;
  version?: string;
  group?: string;
  purl?: string;
  cpe?: string;
  supplier?: { name?: string };
  components?: BomComponent[];
}

const Component: z.ZodType<BomComponent> = z.lazy(() =>
  z.object({
    type: z.string().optional(),
    name: z.string().min(1, 'a name'),
    version: z.string().optional(),
    group: z.string().optional(),
    // Read with the parsers matching uses: a component they cannot read would never match.
    purl: z
      .string()
      .refine((p) => purlKey(p) !== null, PURL_EXPECTED)
      .optional(),
    cpe: z
      .string()
      .refine((c) => parseCpe(c) !== null, 'a CPE name (a 2.3 formatted string or a 2.2 URI)')
      .optional(),
    supplier: z.object({ name: z.string().optional() }).optional(),
    components: z.array(Component).optional(),
  }),
);

const Bom = z.object({
  bomFormat: z.literal('CycloneDX', { message: 'bomFormat must be "CycloneDX"' }),
  specVersion: z.string(),
  components: z.array(Component).optional(),
});

export interface SbomSummary {
  productVersionId: string;
  added: number;
  kept: number;
  removed: number;
}

const identity = (c: {
  purl?: string | null;
  cpe?: string | null;
  group?: string | null;
  name: string;
  version?: string | null;
}) => c.purl ?? c.cpe ?? `${c.group ? `${c.group}/` : ''}${c.name}@${c.version ?? ''}`;

/**
 * Replaces the components of product `productKey` version `version` with those
 * of `bom`, audited in the same transaction (as `actor`: the platform, for the CLI).
 */
export async function importSbom(
  db: Db,
  productKey: string,
  version: string,
  bom: unknown,
  actor: Pick<AuditEntry, 'actorKind' | 'actorId'> = { actorKind: 'SYSTEM', actorId: null },
): Promise<SbomSummary> {
  const parsed = Bom.safeParse(bom);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError(
      'VALIDATION',
      `not a CycloneDX JSON BOM: ${issue?.path.join('.') || 'document'}: ${issue?.message}`,
    );
  }
  const flat: BomComponent[] = [];
  const walk = (list: BomComponent[] | undefined) => {
    for (const c of list ?? []) {
      flat.push(c);
      walk(c.components);
    }
  };
  walk(parsed.data.components);
  const wanted = new Map(flat.map((c) => [identity(c), c]));
  const product = await db.product.findUnique({ where: { key: productKey }, select: { id: true } });
  if (!product) throw new DomainError('NOT_FOUND', `no product ${productKey}`);
  return db.$transaction(
    async (tx) => {
      const pv = await tx.productVersion.upsert({
        where: { productId_version: { productId: product.id, version } },
        create: { productId: product.id, version },
        update: {},
        select: { id: true },
      });
      const existing = await tx.component.findMany({
        where: { productVersionId: pv.id },
        select: { id: true, purl: true, cpe: true, name: true, version: true },
      });
      // Stored names carry the group (group/name), so a stored row's identity is the BOM's.
      const gone = existing.filter((e) => !wanted.has(identity(e)));
      const have = new Set(existing.map((e) => identity(e)));
      const added = [...wanted.entries()].filter(([k]) => !have.has(k)).map(([, c]) => c);
      await tx.component.deleteMany({ where: { id: { in: gone.map((g) => g.id) } } });
      await tx.component.createMany({
        data: added.map((c) => ({
          productVersionId: pv.id,
          name: c.group ? `${c.group}/${c.name}` : c.name,
          version: c.version ?? null,
          supplier: c.supplier?.name ?? null,
          purl: c.purl ?? null,
          cpe: c.cpe ?? null,
        })),
      });
      const summary = {
        productVersionId: pv.id,
        added: added.length,
        kept: existing.length - gone.length,
        removed: gone.length,
      };
      await appendAudit(tx, {
        ...actor,
        action: 'inventory.sbom.imported',
        subjectType: 'ProductVersion',
        subjectId: pv.id,
        data: { product: productKey, version, ...summary },
      });
      return summary;
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}
