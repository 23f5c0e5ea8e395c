// What the PSIRT asks of CVE Services, queued in the outbox in the same
// transaction as the change that asks it (reserve ids for a case, publish or
// update a record, reject an id), and delivered by worker.ts: retried with
// backoff, each publication of an advisory revision queued once (its
// idempotency key), every answer kept on the case's timeline.
import type { Prisma } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import type { Unit } from '../services/unit.ts';
import { type CnaSettings, ownedByCna } from './record.ts';

export type CveJob =
  | { kind: 'reserve'; caseId: string; amount: number; year: number }
  | { kind: 'publish'; caseId: string; cveId: string; advisory: string | null }
  | { kind: 'reject'; caseId: string; cveId: string; update: boolean };

export const CVE_TOPICS = ['cve.reserve', 'cve.publish', 'cve.reject'] as const;

function requireServices(cna: CnaSettings) {
  if (!cna.services) {
    throw new DomainError(
      'CONFLICT',
      'CVE Services is not configured: set PSIRT_CVE_ORG, PSIRT_CVE_USER and PSIRT_CVE_API_KEY (and PSIRT_CVE_ORG_ID).',
    );
  }
}

async function enqueue(u: Unit, job: CveJob, idempotencyKey: string | null) {
  const created = await u.tx.outboxMessage.createManyAndReturn({
    data: [
      {
        topic: `cve.${job.kind}`,
        payload: job as unknown as Prisma.InputJsonValue,
        idempotencyKey,
        createdAt: u.now,
        nextAttemptAt: u.now,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  if (created.length === 0) return false;
  u.event('cve.services', { caseId: job.caseId }, { action: job.kind, outcome: 'queued', ...describe(job) });
  return true;
}

const describe = (job: CveJob) =>
  job.kind === 'reserve' ? { amount: job.amount, year: job.year } : { cveId: job.cveId };

/** Queues a reservation of `amount` ids for the case (the worker records them on it). */
export async function enqueueReservation(u: Unit, cna: CnaSettings, caseId: string, amount: number) {
  requireServices(cna);
  await enqueue(u, { kind: 'reserve', caseId, amount, year: u.now.getUTCFullYear() }, null);
}

/** Queues the publication (or update) of one CVE record. */
export async function enqueuePublication(
  u: Unit,
  cna: CnaSettings,
  row: { caseId: string; cveId: string; assigner: string | null; state: string },
  advisory: { id: string; revision: number } | null,
) {
  requireServices(cna);
  if (!ownedByCna(row.assigner, cna)) {
    throw new DomainError(
      'CONFLICT',
      `${row.cveId} was assigned by ${row.assigner ?? 'an unnamed assigner'}, not by this CNA (${cna.shortName}).`,
      'cveId',
    );
  }
  if (row.state === 'REJECTED') throw new DomainError('CONFLICT', `${row.cveId} is rejected.`, 'cveId');
  // One publication per advisory revision; by hand, every request is sent.
  const key = advisory ? `cve.publish:${row.cveId}:${advisory.id}:${advisory.revision}` : null;
  return enqueue(u, { kind: 'publish', caseId: row.caseId, cveId: row.cveId, advisory: advisory?.id ?? null }, key);
}

/**
 * With the release of an advisory revision: the records of its cases' CVE ids
 * that this CNA assigned, reserved or already published, are published or
 * updated with it. Nothing is queued without CVE Services credentials.
 */
export async function enqueueAdvisoryPublications(
  u: Unit,
  cna: CnaSettings,
  advisory: { id: string; revision: number },
) {
  if (!cna.services) return 0;
  const rows = await u.tx.cveAssignment.findMany({
    where: {
      cveId: { not: null },
      state: { in: ['RESERVED', 'PUBLISHED'] },
      case: { advisories: { some: { advisoryId: advisory.id } } },
    },
    orderBy: { cveId: 'asc' },
    select: { caseId: true, cveId: true, assigner: true, state: true },
  });
  let queued = 0;
  for (const r of rows) {
    if (!ownedByCna(r.assigner, cna)) continue;
    if (await enqueuePublication(u, cna, { ...r, cveId: r.cveId as string }, advisory)) queued += 1;
  }
  return queued;
}

/** Marks the id rejected on the case and queues the rejected record. */
export async function enqueueRejection(
  u: Unit,
  cna: CnaSettings,
  row: {
    id: string;
    caseId: string;
    cveId: string;
    assigner: string | null;
    state: string;
    servicesUpdatedAt: Date | null;
  },
  reason: string,
  replacedBy: readonly string[],
) {
  requireServices(cna);
  if (!ownedByCna(row.assigner, cna)) {
    throw new DomainError('CONFLICT', `${row.cveId} was not assigned by this CNA (${cna.shortName}).`, 'cveId');
  }
  await u.tx.cveAssignment.update({
    where: { id: row.id },
    data: { state: 'REJECTED', rejectReason: reason, replacedBy: [...replacedBy] },
  });
  u.event('cve.changed', { caseId: row.caseId }, { cveId: row.cveId, state: 'REJECTED', from: row.state });
  // A record CVE Services already holds (published, or rejected before) is updated to rejected (PUT);
  // a reserved id with no record gets one (POST).
  const update = row.servicesUpdatedAt !== null;
  await enqueue(u, { kind: 'reject', caseId: row.caseId, cveId: row.cveId, update }, null);
}
