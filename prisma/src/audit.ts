// The tamper-evident audit log. Each entry's hash covers its content and the
// previous entry's hash, so changing or deleting any row breaks the chain from
// there on; the database itself refuses UPDATE/DELETE (trigger in the init
// migration), so tampering needs a superuser disabling that trigger first.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Db, Tx } from './client.ts';

export type AuditActorKind = 'USER' | 'REPORTER' | 'SYSTEM' | 'ANONYMOUS';

export interface AuditEntry {
  actorKind: AuditActorKind;
  actorId?: string | null;
  /** e.g. "case.transition", "reporter.identity.read" */
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  /** A before/after summary or the read's context; no secrets. */
  data?: Record<string, unknown>;
}

/** Serialises appends across connections and instances (key: "psir" + 1). */
const AUDIT_LOCK = 0x70736972 + 1;

/** What an entry's hash covers: every stored column but the hash itself. */
interface HashedFields {
  prevHash: string | null;
  at: Date;
  actorKind: AuditActorKind;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  data: unknown;
}

function entryHash(f: HashedFields): string {
  // RFC 8785 canonical JSON, so the hash does not depend on key order or on
  // how a driver round-trips JSON: verification recomputes it from the row.
  // Named one by one: a stored row also carries seq and hash, which are not hashed.
  const body = canonicalize({
    prevHash: f.prevHash,
    at: f.at.toISOString(),
    actorKind: f.actorKind,
    actorId: f.actorId,
    action: f.action,
    subjectType: f.subjectType,
    subjectId: f.subjectId,
    data: f.data,
  });
  return createHash('sha256')
    .update(body ?? '', 'utf8')
    .digest('hex');
}

/**
 * Appends entries in the caller's transaction: they commit (or roll back)
 * with the change they describe. Appends are serialised by a transaction-level
 * advisory lock, so the chain has exactly one head.
 */
export async function appendAudit(tx: Tx, entries: AuditEntry | AuditEntry[], at = new Date()): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK}::bigint)`;
  const last = await tx.auditLog.findFirst({ orderBy: { seq: 'desc' }, select: { hash: true } });
  const rows = chained(list, last?.hash ?? null, at);
  // One statement however many entries; seq follows the array order.
  await tx.auditLog.createMany({ data: rows.map((r) => ({ ...r, data: r.data as object })) });
}

/** The entries as rows of the chain after `prevHash`: each hashed over its content and its predecessor's hash. */
function chained(list: AuditEntry[], prevHash: string | null, at: Date): (HashedFields & { hash: string })[] {
  // Millisecond precision, as stored (timestamptz(3)).
  const when = new Date(Math.floor(at.getTime()));
  let prev = prevHash;
  return list.map((e) => {
    const fields: HashedFields = {
      prevHash: prev,
      at: when,
      actorKind: e.actorKind,
      actorId: e.actorId ?? null,
      action: e.action,
      subjectType: e.subjectType ?? null,
      subjectId: e.subjectId ?? null,
      data: JSON.parse(JSON.stringify(e.data ?? {})),
    };
    const hash = entryHash(fields);
    prev = hash;
    return { ...fields, hash };
  });
}

/** Appends in a transaction of its own (for reads, which have no transaction). */
export function appendAuditNow(db: Db, entries: AuditEntry | AuditEntry[], at = new Date()): Promise<void> {
  // The chain's lock may be held by a change committing its own entries: wait for it as a change would.
  return db.$transaction((tx) => appendAudit(tx, entries, at), { maxWait: 10_000, timeout: 15_000 });
}

/** A statement on the audit connection, inside its transaction. */
export type AuditQuery = <R = Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;
/** Runs `work` in one transaction on the connection the audit entries of reads are written through (sql.ts). */
export type AuditTransaction = <T>(work: (query: AuditQuery) => Promise<T>) => Promise<T>;

/**
 * appendAudit for the batcher, in SQL written here rather than through Prisma:
 * the entries of every confidential read go through it (25 for one dashboard
 * page), and Prisma's client spent more CPU building their INSERT than the
 * page's own reads. One statement inserts the batch, in order (WITH ORDINALITY).
 */
async function appendAuditSql(query: AuditQuery, list: AuditEntry[], at: Date): Promise<void> {
  // A change holding the chain's lock for this long is stuck: answer UNAVAILABLE rather than wait on.
  await query("SET LOCAL lock_timeout = '10s'");
  await query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_LOCK]);
  const [last] = await query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const rows = chained(list, last?.hash ?? null, at);
  const columns: (string | null)[][] = [[], [], [], [], [], [], [], []];
  for (const r of rows) {
    const row = [
      r.actorKind,
      r.actorId,
      r.action,
      r.subjectType,
      r.subjectId,
      JSON.stringify(r.data),
      r.prevHash,
      r.hash,
    ];
    for (const [i, v] of row.entries()) columns[i]?.push(v);
  }
  await query(
    `INSERT INTO audit_log (at, actor_kind, actor_id, action, subject_type, subject_id, data, prev_hash, hash)
     SELECT $1::timestamptz, u.actor_kind::"ActorKind", u.actor_id, u.action, u.subject_type, u.subject_id,
            u.data::jsonb, u.prev_hash, u.hash
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
          WITH ORDINALITY AS u(actor_kind, actor_id, action, subject_type, subject_id, data, prev_hash, hash, ord)
     ORDER BY u.ord`,
    [rows[0]?.at ?? at, ...columns],
  );
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  head: { seq: string; hash: string } | null;
  problems: string[];
}

/**
 * Recomputes the whole chain. Detects an edited row (its hash no longer
 * matches), a deleted or inserted row (the next row's prevHash no longer
 * matches) and, given the head recorded earlier (`expectHead`), a truncated
 * tail — the one deletion a chain cannot show by itself.
 */
export async function verifyAuditChain(
  db: Db,
  options: { expectHead?: { seq: string; hash: string }; batch?: number; onProgress?: (done: number) => void } = {},
): Promise<AuditVerification> {
  const problems: string[] = [];
  const batch = options.batch ?? 1000;
  let prevHash: string | null = null;
  let cursor: bigint | undefined;
  let entries = 0;
  let head: AuditVerification['head'] = null;
  let recordedHead: string | undefined;
  for (;;) {
    const rows = await db.auditLog.findMany({
      where: cursor === undefined ? {} : { seq: { gt: cursor } },
      orderBy: { seq: 'asc' },
      take: batch,
    });
    for (const row of rows) {
      entries += 1;
      if (row.prevHash !== prevHash) {
        problems.push(
          `entry ${row.seq}: its previous-hash does not match the entry before it (a row was deleted, inserted or edited)`,
        );
      }
      const expected = entryHash(row);
      if (expected !== row.hash) problems.push(`entry ${row.seq}: its content does not match its hash (edited)`);
      prevHash = row.hash;
      head = { seq: row.seq.toString(), hash: row.hash };
      if (row.seq.toString() === options.expectHead?.seq) recordedHead = row.hash;
    }
    options.onProgress?.(entries);
    if (rows.length < batch) break;
    cursor = rows[rows.length - 1]?.seq;
  }
  if (options.expectHead) {
    if (recordedHead === undefined)
      problems.push(`the recorded head entry ${options.expectHead.seq} is gone (the tail was deleted)`);
    else if (recordedHead !== options.expectHead.hash)
      problems.push(`the recorded head entry ${options.expectHead.seq} was changed`);
  }
  return { ok: problems.length === 0, entries, head, problems };
}

export interface AuditBatcher {
  /** Resolves once the entries are committed (rejects if they could not be). */
  append(entries: AuditEntry[], at?: Date): Promise<void>;
}

/**
 * Group commit for audit entries written outside a change's transaction (reads
 * of confidential data): requests arriving together share one transaction, so
 * the chain's lock is taken once per batch instead of once per request. Each
 * caller still waits for its own entries to be committed.
 */
export function createAuditBatcher(transact: AuditTransaction): AuditBatcher {
  let queue: { entries: AuditEntry[]; at: Date; done: (e?: unknown) => void }[] = [];
  let running = false;

  async function flush() {
    running = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      const at = new Date(Math.max(...batch.map((b) => b.at.getTime())));
      try {
        const entries = batch.flatMap((b) => b.entries);
        await transact((query) => appendAuditSql(query, entries, at));
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error);
      }
    }
    running = false;
  }

  return {
    append(entries, at = new Date()) {
      if (entries.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ entries, at, done: (e) => (e ? reject(e) : resolve()) });
        // While a batch commits, newcomers gather for the next one.
        if (!running) void flush();
      });
    },
  };
}
