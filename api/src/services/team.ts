// The Vulnerability Analysis Team of a case: who is on it, and who may record
// what for which product.
import { DomainError } from '@psirt/schema';
import { isPsirt } from '../access.ts';
import type { Context } from '../context.ts';
import { decodeId } from '../refs.ts';
import type { Unit } from './unit.ts';

/** Resolves products given by global id or key; an unknown one is a VALIDATION error naming it. */
export async function resolveProducts(u: Unit, refs: readonly string[], field = 'input.productIds') {
  if (refs.length === 0) return [];
  const ids = refs.map((r) => decodeId(r, 'Product')).filter((x): x is string => x !== null);
  const rows = await u.tx.product.findMany({
    where: { OR: [{ id: { in: ids } }, { key: { in: [...refs] } }] },
    select: { id: true, key: true, productLineId: true },
  });
  return refs.map((ref) => {
    const row = rows.find((p) => p.key === ref || p.id === decodeId(ref, 'Product'));
    if (!row) throw new DomainError('VALIDATION', `${field}: unknown product "${ref}".`, field);
    return row;
  });
}

/**
 * Records UNDER_INVESTIGATION impacts for products new to the case and puts
 * their product lines' Primes and Specialists on the team.
 */
export async function addProductImpacts(u: Unit, caseId: string, productRefs: readonly string[]) {
  const products = await resolveProducts(u, productRefs);
  if (products.length === 0) return;
  const existing = await u.tx.productImpact.findMany({ where: { caseId }, select: { productId: true } });
  const fresh = products.filter((p) => !existing.some((e) => e.productId === p.id));
  if (fresh.length === 0) return;
  await u.tx.productImpact.createMany({
    data: fresh.map((p) => ({ caseId, productId: p.id, updatedById: u.actor.userId })),
    skipDuplicates: true,
  });
  for (const p of fresh) u.event('impact.added', { caseId }, { product: p.key, status: 'UNDER_INVESTIGATION' });
  await staffProductLines(u, caseId, [...new Set(fresh.map((p) => p.productLineId))]);
}

/** Adds the product lines' PSPs and PSSs to the case (once each). */
async function staffProductLines(u: Unit, caseId: string, productLineIds: string[]) {
  const people = await u.tx.productLineMember.findMany({
    where: { productLineId: { in: productLineIds }, user: { disabledAt: null } },
    select: { userId: true, role: true },
  });
  const current = await u.tx.caseMember.findMany({ where: { caseId }, select: { userId: true } });
  const added = new Set(current.map((m) => m.userId));
  for (const p of people) {
    if (added.has(p.userId)) continue;
    added.add(p.userId);
    const role = p.role === 'PRIME' ? 'PRIME' : 'SPECIALIST';
    await u.tx.caseMember.create({
      data: { caseId, userId: p.userId, role, addedById: u.actor.userId, addedAt: u.now },
    });
    u.event('member.added', { caseId }, { userId: p.userId, role, automatic: true });
  }
}

/**
 * May the viewer record impact, mitigations or fixes for this product on this
 * case? The PSIRT, or a case member who is PSP/PSS of the product's line.
 */
export async function requireProductAuthority(ctx: Context, u: Unit, caseId: string, productLineId: string) {
  if (isPsirt(ctx.viewer)) return;
  const v = ctx.viewer;
  if (v.kind === 'user') {
    const [member, line] = await Promise.all([
      u.tx.caseMember.findUnique({ where: { caseId_userId: { caseId, userId: v.userId } }, select: { role: true } }),
      u.tx.productLineMember.findFirst({ where: { productLineId, userId: v.userId }, select: { role: true } }),
    ]);
    if (member && line) return;
  }
  throw new DomainError(
    'FORBIDDEN',
    "Only the PSIRT, or the product line's Product Security Prime or Specialist on this case, may record this.",
  );
}

/** Case-level team work (members, case fields): the PSIRT or the case's Prime. */
export async function requireCaseLead(ctx: Context, u: Unit, caseId: string) {
  if (isPsirt(ctx.viewer)) return;
  const v = ctx.viewer;
  if (v.kind === 'user') {
    const member = await u.tx.caseMember.findUnique({
      where: { caseId_userId: { caseId, userId: v.userId } },
      select: { role: true },
    });
    if (member?.role === 'PRIME') return;
  }
  throw new DomainError('FORBIDDEN', "Only the PSIRT or the case's Product Security Prime may do this.");
}
