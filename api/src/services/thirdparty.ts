// Assessing third-party CVEs per product: the state and VEX justification,
// the vendor's adjusted score (AVSS) beside the supplier's, and escalation of
// one or more assessments into a case (VAR).
import { createHash, randomUUID } from 'node:crypto';
import { AssessmentState, type Prisma } from '@psirt/db';
import {
  buildCsafVex,
  buildCycloneDxVex,
  DomainError,
  isUuid,
  NIL_UUID,
  parseCpe,
  scoreCvss,
  type VexAssessment,
  type VexMeta,
} from '@psirt/schema';
import { z } from 'zod';
import {
  answerableProducts,
  assessableAssessments,
  assessmentVisibility,
  PSIRT_ROLES,
  requireRole,
  requireUser,
} from '../access.ts';
import type { Context } from '../context.ts';
import { matchInventory, supplierScoreFor } from '../feeds/match.ts';
import { PURL_EXPECTED, purlKey } from '../feeds/purl.ts';
import { importSbom } from '../feeds/sbom.ts';
import { caseRef, decodeId } from '../refs.ts';
import { ENGINE_VERSION } from './advisory-csaf.ts';
import { openCase, VexJustificationInput } from './cases.ts';
import { scoreColumns } from './scores.ts';
import { addProductImpacts } from './team.ts';
import { parseInput, unitOfWork } from './unit.ts';

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const AssessInput = z
  .object({
    id: z.string().min(1),
    state: z.enum(AssessmentState),
    justification: VexJustificationInput.optional().nullable(),
    rationale: text(10_000).optional().nullable(),
    avssVector: text(300).optional().nullable(),
  })
  .superRefine((v, c) => {
    if (v.state === 'NOT_AFFECTED' && !v.justification) {
      c.addIssue({ code: 'custom', path: ['justification'], message: 'NOT_AFFECTED needs a VEX justification' });
    }
    if (v.state !== 'NOT_AFFECTED' && v.justification) {
      c.addIssue({ code: 'custom', path: ['justification'], message: 'a justification is for NOT_AFFECTED only' });
    }
    if (v.avssVector && (v.rationale ?? '').length < 10) {
      c.addIssue({
        code: 'custom',
        path: ['rationale'],
        message: 'an AVSS needs a rationale (at least 10 characters)',
      });
    }
  });

/**
 * The assessments named (node ids or UUIDs), all visible to the viewer (or,
 * `forChange`, all the viewer may change), in one query; else NOT_FOUND naming the first missing.
 */
async function visibleAssessments(ctx: Context, refs: readonly string[], forChange = false) {
  const ids = refs.map((ref) => decodeId(ref, 'ComponentAssessment'));
  const allowed = forChange ? assessableAssessments(ctx.viewer) : assessmentVisibility(ctx.viewer);
  const found = await ctx.db.componentAssessment.findMany({
    where: { AND: [{ id: { in: ids.filter((id): id is string => id !== null) } }, allowed] },
    select: { id: true, productId: true, state: true, caseId: true, vulnerability: { select: { cveId: true } } },
  });
  const missing = refs.find((_, i) => !found.some((f) => f.id === ids[i]));
  if (missing !== undefined) throw new DomainError('NOT_FOUND', `No assessment ${missing} that you may see.`, 'id');
  return found;
}

/** Records a product's assessment of a third-party CVE (the PSIRT, or the product line's staff). */
export async function assessComponent(ctx: Context, raw: z.input<typeof AssessInput>) {
  requireUser(ctx);
  const input = parseInput(AssessInput, raw);
  const one = await visibleAssessments(ctx, [input.id], true);
  const a = one[0] as (typeof one)[number]; // visibleAssessments throws unless it found it
  const avss = input.avssVector
    ? (() => {
        try {
          return scoreCvss(input.avssVector);
        } catch (error) {
          if (DomainError.is(error))
            throw new DomainError('VALIDATION', `input.avssVector: ${error.message}`, 'input.avssVector');
          throw error;
        }
      })()
    : null;
  return unitOfWork(ctx, async (u) => {
    await u.tx.componentAssessment.update({
      where: { id: a.id },
      data: {
        state: input.state,
        justification: input.justification ?? null,
        rationale: input.rationale ?? null,
        updatedById: u.actor.userId,
      },
    });
    if (avss) {
      await u.tx.score.create({
        data: {
          kind: 'AVSS',
          ...scoreColumns(avss),
          rationale: input.rationale ?? null,
          productId: a.productId,
          assessmentId: a.id,
          createdById: u.actor.userId,
          createdAt: u.now,
        },
      });
    }
    u.audit(
      'assessment.changed',
      { type: 'ComponentAssessment', id: a.id },
      { cve: a.vulnerability.cveId, from: a.state, to: input.state, avss: avss?.vector ?? null },
    );
    return { id: a.id };
  });
}

export const EscalateInput = z.object({
  ids: z.array(z.string().min(1)).min(1, 'at least one assessment').max(100),
  caseId: z.string().min(1).optional().nullable(),
  title: text(200).min(3, 'at least 3 characters').optional().nullable(),
});

/**
 * Escalates assessments into a case: a new VAR (titled after the CVEs), or an
 * existing one (several CVEs can join one). The products become impacts of the
 * case. The PSIRT only. Escalating again assessments that are all in one case
 * already opens nothing: that case is the answer.
 */
export async function escalateAssessments(ctx: Context, raw: z.input<typeof EscalateInput>) {
  requireRole(ctx, PSIRT_ROLES);
  const input = parseInput(EscalateInput, raw);
  const found = await visibleAssessments(ctx, input.ids);
  // Asked again for the same assessments (a second click on Slack's button): the case they are in.
  const already = found[0]?.caseId;
  if (!input.caseId && already && found.every((f) => f.caseId === already)) {
    return ctx.db.analysisCase.findUniqueOrThrow({ where: { id: already }, select: { id: true, publicId: true } });
  }
  return unitOfWork(ctx, async (u) => {
    let kase: { id: string; publicId: string };
    if (input.caseId) {
      const where = caseRef(input.caseId);
      const existing = where
        ? await u.tx.analysisCase.findFirst({ where, select: { id: true, publicId: true, state: true } })
        : null;
      if (!existing) throw new DomainError('NOT_FOUND', `No case ${input.caseId}.`, 'caseId');
      if (existing.state === 'CLOSED') throw new DomainError('CONFLICT', `${existing.publicId} is closed.`, 'caseId');
      kase = existing;
    } else {
      const cves = [...new Set(found.map((f) => f.vulnerability.cveId))];
      kase = await openCase(u, { title: input.title ?? `Third-party: ${cves.join(', ')}`.slice(0, 200) });
      u.event('case.opened', { caseId: kase.id }, { publicId: kase.publicId, fromAssessments: cves });
      u.audit('case.opened', { type: 'AnalysisCase', id: kase.id }, { publicId: kase.publicId, cves });
    }
    await u.tx.componentAssessment.updateMany({
      where: { id: { in: found.map((f) => f.id) } },
      data: { caseId: kase.id, updatedById: u.actor.userId },
    });
    // Each product becomes an impact of the case (its product line's staff join it).
    await addProductImpacts(u, kase.id, [...new Set(found.map((f) => f.productId))]);
    u.audit('assessments.escalated', { type: 'AnalysisCase', id: kase.id }, { assessments: found.map((f) => f.id) });
    return kase;
  });
}

/** What a product's VEX is built from: the assessments the viewer may read, as the builders want them. */
export async function productVexAssessments(ctx: Pick<Context, 'db' | 'viewer'>, productKey: string) {
  const product = await ctx.db.product.findUnique({ where: { key: productKey }, select: { key: true, name: true } });
  if (!product) throw new DomainError('NOT_FOUND', `No product ${productKey}.`, 'product');
  const rows = await ctx.db.componentAssessment.findMany({
    where: { AND: [assessmentVisibility(ctx.viewer), { product: { key: productKey } }] },
    orderBy: [{ vulnerability: { cveId: 'asc' } }, { id: 'asc' }],
    select: {
      state: true,
      justification: true,
      rationale: true,
      vulnerability: { select: { cveId: true, description: true, metrics: true, advisories: true } },
      component: {
        select: {
          id: true,
          name: true,
          version: true,
          purl: true,
          cpe: true,
          productVersion: { select: { version: true } },
        },
      },
      scores: {
        where: { kind: 'AVSS' },
        orderBy: { createdAt: 'desc' },
        take: 1,
        select: { vector: true, score: true, severity: true },
      },
    },
  });
  const assessments: VexAssessment[] = rows.map((r) => {
    const avss = r.scores[0];
    return {
      cveId: r.vulnerability.cveId,
      description: r.vulnerability.description,
      productVersion: r.component.productVersion.version,
      component: { name: r.component.name, version: r.component.version, purl: r.component.purl, cpe: r.component.cpe },
      state: r.state,
      justification: r.justification,
      rationale: r.rationale,
      supplierCvss: supplierScoreFor(r.vulnerability, r.component),
      avss: avss ? { vector: avss.vector, score: Number(avss.score), severity: avss.severity } : null,
    };
  });
  return { product, assessments };
}

/**
 * A product's VEX (CSAF csaf_vex, or CycloneDX 1.5) from its assessments.
 * For whoever answers for the product (and so reads all of its assessments)
 * the document is versioned per format and TLP: the same content gives the
 * same bytes as last time; changed content is the next version, with the
 * earlier ones in its revision history.
 */
export async function productVex(
  ctx: Pick<Context, 'db' | 'viewer' | 'now' | 'policy'>,
  productKey: string,
  format: 'CSAF' | 'CYCLONEDX',
  tlp: VexMeta['tlp'] = 'AMBER',
): Promise<Record<string, unknown>> {
  const { product, assessments } = await productVexAssessments(ctx, productKey);
  const build = (generatedAt: Date, history: VexMeta['history'], serial: string) => {
    const meta: VexMeta = {
      product,
      publisher: ctx.policy.publisher,
      generatedAt,
      engineVersion: ENGINE_VERSION,
      tlp,
      history,
    };
    return format === 'CSAF' ? buildCsafVex(assessments, meta) : buildCycloneDxVex(assessments, { ...meta, serial });
  };
  const answers = await ctx.db.product.count({ where: { AND: [{ key: productKey }, answerableProducts(ctx.viewer)] } });
  if (!answers) return build(ctx.now(), undefined, randomUUID());
  // The content alone: the same tracking data for every build, so only the assessments change it.
  const epoch = new Date(0);
  const digest = createHash('sha256')
    .update(JSON.stringify(build(epoch, [{ number: 1, date: epoch, summary: '' }], NIL_UUID)))
    .digest('hex');
  const productId = (await ctx.db.product.findUniqueOrThrow({ where: { key: productKey }, select: { id: true } })).id;
  const key = { productId_format_tlp: { productId, format, tlp } };
  return ctx.db.$transaction(async (tx) => {
    const held = await tx.vexDocument.findUnique({ where: key });
    if (held?.contentDigest === digest) return JSON.parse(held.document) as Record<string, unknown>;
    const now = ctx.now();
    const before = (held?.history ?? []) as { number: number; date: string; summary: string }[];
    const history = [
      ...before,
      {
        number: (held?.version ?? 0) + 1,
        date: now.toISOString(),
        summary: held ? 'The assessments changed.' : 'First version.',
      },
    ];
    const serial = held?.serial ?? randomUUID();
    const doc = build(
      now,
      history.map((h) => ({ ...h, date: new Date(h.date) })),
      serial,
    );
    const data = {
      version: history.length,
      contentDigest: digest,
      history: history as Prisma.InputJsonValue,
      document: JSON.stringify(doc),
    };
    await tx.vexDocument.upsert({ where: key, create: { productId, format, tlp, serial, ...data }, update: data });
    return doc;
  });
}

/** The product, if the viewer answers for it: the PSIRT, or its product line's Primes and Specialists. */
async function answerableProduct(ctx: Context, key: string) {
  requireUser(ctx);
  const product = await ctx.db.product.findFirst({
    where: { AND: [{ key }, answerableProducts(ctx.viewer)] },
    select: { id: true, key: true },
  });
  if (!product) throw new DomainError('NOT_FOUND', `No product ${key} that you answer for.`, 'product');
  return product;
}

/** Replaces a product version's components with an SBOM's, then matches them; audited. */
export async function importProductSbom(ctx: Context, input: { product: string; version: string; sbom: unknown }) {
  const product = await answerableProduct(ctx, input.product);
  const version = input.version.trim();
  if (!version || version.length > 100) throw new DomainError('VALIDATION', 'version: 1 to 100 characters', 'version');
  const user = requireUser(ctx);
  const result = await importSbom(ctx.db, product.key, version, input.sbom, {
    actorKind: 'USER',
    actorId: user.userId,
  });
  const matched = await matchInventory(ctx.db, { productVersionIds: [result.productVersionId] }, { live: ctx.live });
  return { ...result, matches: matched.matches, newAssessments: matched.created };
}

export const ComponentInput = z
  .object({
    product: z.string().min(1),
    version: text(100).min(1, 'the product version'),
    name: text(200).min(1, 'a name'),
    componentVersion: text(100).optional().nullable(),
    supplier: text(200).optional().nullable(),
    purl: text(500)
      .refine((p) => purlKey(p) !== null, PURL_EXPECTED)
      .optional()
      .nullable(),
    cpe: text(500)
      .refine(
        (c) => parseCpe(c) !== null,
        'a CPE name (cpe:2.3:part:vendor:product:version:… or cpe:/part:vendor:product:version)',
      )
      .optional()
      .nullable(),
  })
  .refine((c) => c.purl || c.cpe, { message: 'a purl or a CPE, to match CVEs against', path: ['cpe'] });

/** Adds one component to a product version by hand, then matches it. */
export async function addComponent(ctx: Context, raw: z.input<typeof ComponentInput>) {
  // Who asks, before what they sent: a stranger hears UNAUTHENTICATED, not how to fix the input.
  requireUser(ctx);
  const input = parseInput(ComponentInput, raw);
  const product = await answerableProduct(ctx, input.product);
  const created = await unitOfWork(ctx, async (u) => {
    const pv = await u.tx.productVersion.upsert({
      where: { productId_version: { productId: product.id, version: input.version } },
      create: { productId: product.id, version: input.version },
      update: {},
      select: { id: true },
    });
    const c = await u.tx.component.create({
      data: {
        productVersionId: pv.id,
        name: input.name,
        version: input.componentVersion ?? null,
        supplier: input.supplier ?? null,
        purl: input.purl ?? null,
        cpe: input.cpe ?? null,
      },
      select: { id: true, productVersionId: true },
    });
    u.audit('inventory.component.added', { type: 'Component', id: c.id }, { ...input, product: product.key });
    return c;
  });
  await matchInventory(ctx.db, { productVersionIds: [created.productVersionId] }, { live: ctx.live });
  return created;
}

/** Removes a component (its assessments go with it). */
export async function removeComponent(ctx: Context, id: string) {
  requireUser(ctx);
  const component = isUuid(id)
    ? await ctx.db.component.findFirst({
        where: { id, productVersion: { product: answerableProducts(ctx.viewer) } },
        select: { id: true, name: true },
      })
    : null;
  if (!component) throw new DomainError('NOT_FOUND', `No component ${id} that you answer for.`, 'id');
  await unitOfWork(ctx, async (u) => {
    await u.tx.component.delete({ where: { id: component.id } });
    u.audit('inventory.component.removed', { type: 'Component', id: component.id }, { name: component.name });
  });
  return true;
}
