// Delivers the CVE Services calls queued in the outbox (outbox.ts), one at a
// time in the order they were queued (a reservation before the publication
// that needs it). Claimed as mail is (claimOutbox: UPDATE … FOR UPDATE SKIP
// LOCKED, a lease): several instances never send the same call at once, and a
// call whose worker died is taken up again when its lease runs out.
//
// Never published twice: a record is POSTed only while CVE Services has never
// accepted one for the id (cve_assignment.services_updated_at), else PUT; a
// POST answered CVE_RECORD_EXISTS (a crash after CVE Services accepted it and
// before we noted it) is sent again as a PUT. A reservation that crashed in
// that window is sent again and reserves new ids: the first ones stay reserved
// at CVE Services, unused, and can be rejected there.
import type { Db, Prisma } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';
import { backoffMs, claimOutbox } from '../outbox.ts';
import { systemUnitOfWork, type Unit } from '../services/unit.ts';
import { type CveServicesClient, CveServicesError } from './client.ts';
import { CVE_TOPICS, type CveJob } from './outbox.ts';
import { buildCveRecord, type CnaSettings, ownedByCna } from './record.ts';

const MAX_ATTEMPTS = 8;

export interface CveWorkerDeps {
  db: Db;
  client: CveServicesClient;
  cna: CnaSettings;
  now: () => Date;
  log: Logger;
  live?: LiveBus;
  batchSize?: number;
}

interface Claimed {
  id: string;
  payload: CveJob;
  attempts: number;
}

/** Delivers due CVE Services calls until none is left; returns how many succeeded and failed. */
export async function drainCveOutbox(deps: CveWorkerDeps): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (;;) {
    const batch = await claimOutbox<Claimed>(deps.db, CVE_TOPICS, deps.now(), deps.batchSize ?? 20);
    if (batch.length === 0) return { sent, failed };
    // In the order they were queued (ids are time-ordered UUIDv7): a reservation before the publication after it.
    batch.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const m of batch) {
      if (await deliver(deps, m)) sent += 1;
      else failed += 1;
    }
  }
}

const ctxOf = (deps: CveWorkerDeps) => ({ db: deps.db, now: deps.now, requestId: 'cve-services', live: deps.live });

async function deliver(deps: CveWorkerDeps, m: Claimed): Promise<boolean> {
  const job = m.payload;
  try {
    const done = await call(deps, job);
    await systemUnitOfWork(ctxOf(deps), async (u) => {
      await u.tx.outboxMessage.update({
        where: { id: m.id },
        data: { status: 'SENT', sentAt: u.now, lastError: null },
      });
      await done(u);
    });
    return true;
  } catch (error) {
    const services = error instanceof CveServicesError ? error : null;
    // Refused here (not ours, not public, not in an advisory) or by CVE Services with a 4xx: trying again changes nothing.
    const final = m.attempts >= MAX_ATTEMPTS || DomainError.is(error) || (services !== null && !services.retryable);
    const reason = error instanceof Error ? error.message.slice(0, 1000) : String(error);
    await systemUnitOfWork(ctxOf(deps), async (u) => {
      await u.tx.outboxMessage.update({
        where: { id: m.id },
        data: {
          status: final ? 'FAILED' : 'PENDING',
          lastError: reason,
          nextAttemptAt: new Date(u.now.getTime() + backoffMs(m.attempts)),
        },
      });
      u.event(
        'cve.services',
        { caseId: job.caseId },
        {
          action: job.kind,
          outcome: final ? 'failed' : 'retrying',
          ...(job.kind === 'reserve' ? { amount: job.amount } : { cveId: job.cveId }),
          attempts: m.attempts,
          message: reason,
          ...(services
            ? { status: services.status, error: services.code, details: clipDetails(services.details) }
            : {}),
        },
      );
    });
    (final ? deps.log.warn : deps.log.info).call(
      deps.log,
      { outboxId: m.id, action: job.kind, attempts: m.attempts, reason, gaveUp: final },
      'CVE Services call not done',
    );
    return false;
  }
}

/** CVE Services' validation details, kept on the timeline within reason (they can list every schema error). */
function clipDetails(details: unknown): Prisma.InputJsonValue | null {
  if (details === null || details === undefined) return null;
  const text = JSON.stringify(details);
  return text.length <= 4000 ? (details as Prisma.InputJsonValue) : `${text.slice(0, 4000)}…`;
}

/** Makes the call; answers what to record, in the transaction that marks it sent. */
async function call(deps: CveWorkerDeps, job: CveJob): Promise<(u: Unit) => Promise<void>> {
  const { db, client, cna } = deps;
  if (job.kind === 'reserve') {
    const r = await client.reserve(job.amount, job.year);
    return async (u) => {
      for (const cveId of r.cveIds) {
        // A requested id waiting on the case takes the first one, as when an id is recorded by hand.
        const requested = await u.tx.cveAssignment.findFirst({
          where: { caseId: job.caseId, cveId: null },
          orderBy: { createdAt: 'asc' },
        });
        if (requested) {
          await u.tx.cveAssignment.update({
            where: { id: requested.id },
            data: { cveId, state: 'RESERVED', assigner: cna.shortName },
          });
        } else {
          await u.tx.cveAssignment.create({
            data: { caseId: job.caseId, cveId, state: 'RESERVED', assigner: cna.shortName, createdAt: u.now },
          });
        }
        u.event(
          'cve.changed',
          { caseId: job.caseId },
          { cveId, state: 'RESERVED', from: requested ? 'REQUESTED' : null },
        );
      }
      u.event(
        'cve.services',
        { caseId: job.caseId },
        {
          action: 'reserve',
          outcome: 'done',
          cveIds: r.cveIds,
          remainingQuota: r.remainingQuota,
        },
      );
      u.audit('case.cve.reserved', { type: 'AnalysisCase', id: job.caseId }, { cveIds: r.cveIds });
    };
  }

  const row = await db.cveAssignment.findUnique({
    where: { cveId: job.cveId },
    select: { id: true, state: true, assigner: true, servicesUpdatedAt: true },
  });
  if (!row) throw new DomainError('NOT_FOUND', `${job.cveId} is no longer recorded on a case.`);

  if (job.kind === 'reject') {
    if (!ownedByCna(row.assigner, cna)) {
      throw new DomainError('CONFLICT', `${job.cveId} was not assigned by this CNA (${cna.shortName}).`);
    }
    if (row.state !== 'REJECTED') throw new DomainError('CONFLICT', `${job.cveId} is no longer rejected.`);
    const built = await buildCveRecord(db, job.cveId, cna, deps.now());
    const answer = await client.reject(job.cveId, built.cnaContainer, job.update).catch((error) => {
      // Already rejected there (our note of it was lost): update the rejection instead.
      if (!job.update && isExisting(error)) return client.reject(job.cveId, built.cnaContainer, true);
      throw error;
    });
    return async (u) => {
      await u.tx.cveAssignment.update({ where: { id: row.id }, data: { servicesUpdatedAt: u.now } });
      u.event(
        'cve.services',
        { caseId: job.caseId },
        {
          action: 'reject',
          outcome: 'done',
          cveId: job.cveId,
          message: answerMessage(answer),
        },
      );
    };
  }

  if (row.state === 'REJECTED') throw new DomainError('CONFLICT', `${job.cveId} was rejected since it was queued.`);
  const built = await buildCveRecord(db, job.cveId, cna, deps.now());
  if (built.blockers.length) throw new DomainError('CONFLICT', built.blockers.join(' '));
  const update = row.servicesUpdatedAt !== null;
  let action: 'publish' | 'update' = update ? 'update' : 'publish';
  const answer = await client.publish(job.cveId, built.cnaContainer, update).catch((error) => {
    if (!update && isExisting(error)) {
      action = 'update';
      return client.publish(job.cveId, built.cnaContainer, true);
    }
    throw error;
  });
  return async (u) => {
    await u.tx.cveAssignment.update({ where: { id: row.id }, data: { state: 'PUBLISHED', servicesUpdatedAt: u.now } });
    if (row.state !== 'PUBLISHED') {
      u.event('cve.changed', { caseId: job.caseId }, { cveId: job.cveId, state: 'PUBLISHED', from: row.state });
    }
    u.event(
      'cve.services',
      { caseId: job.caseId },
      {
        action,
        outcome: 'done',
        cveId: job.cveId,
        advisory: built.advisory?.publicId ?? null,
        message: answerMessage(answer),
      },
    );
    u.audit('case.cve.published', { type: 'AnalysisCase', id: job.caseId }, { cveId: job.cveId, action });
  };
}

const isExisting = (error: unknown) =>
  error instanceof CveServicesError && error.status < 500 && /EXISTS/i.test(error.code ?? '');

const answerMessage = (answer: Record<string, unknown>) =>
  typeof answer.message === 'string' ? answer.message.slice(0, 500) : null;
