// Where a received mail's bytes go in and out of the database.
//
// A mail's bytes are written as pieces (inbound_mail_chunk) first and its
// inbound_mail row last: the row is what makes the mail exist, so a crash
// half-way leaves no mail without its bytes, only pieces nobody refers to,
// swept after an hour (sweepOrphanChunks). Pieces, not one value, because on
// the embedded database every write runs on the API's event loop: a 1 MB
// value is one 30–120 ms stall for every request, a 256 KiB piece a quarter
// of it, and requests are served between pieces.
//
// Written by hand, past Prisma, because no layer above the driver passes
// bytes without re-encoding them in JavaScript on that same event loop
// (measured under `npm run bench -- mail-abuse`: a third of the main thread's
// time went to storing mail):
// - Prisma's PGlite adapter turns a byte array into a hex literal one byte at a
//   time; PGlite measures a string parameter's UTF-8 length one character at a
//   time. PGlite's `/dev/blob` hands the bytes to PostgreSQL as a file instead
//   (`pg_read_binary_file`), a plain copy.
// - node-postgres sends a Buffer as a binary parameter; Prisma's client would
//   first copy and re-encode the megabytes.
// Without the driver (a Prisma client alone), the bytes go as base64 text,
// decoded by PostgreSQL.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db, OpenAdapter } from '@psirt/db';
import { v7 as uuidv7 } from 'uuid';

/** The driver beneath the Prisma client, when the caller has it. */
export type MailDriver = Pick<OpenAdapter, 'pglite' | 'pool'>;

export interface NewMail {
  messageKey: string;
  size: number;
  truncated: boolean;
  sender: string | null;
  subject: string | null;
  via: 'SMTP' | 'CLI';
  receivedAt: Date;
}

/** The largest piece of a mail written in one statement. */
export const CHUNK_BYTES = 256 * 1024;

/** Pieces older than this with no mail row are what a crash or a duplicate left. */
const ORPHAN_AFTER_MS = 60 * 60_000;

type Exec = (sql: string, params: unknown[], bytes?: Uint8Array) => Promise<number>;

/** One statement through the fastest path to hand; `$B` in `sql` stands for the bytes. */
function executor(db: Db, driver: MailDriver | undefined): Exec {
  const pglite = driver?.pglite;
  if (pglite) {
    return async (sql, params, bytes) => {
      const r = await pglite.query(
        sql.replace('$B', "pg_read_binary_file('/dev/blob')"),
        params,
        bytes ? { blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) } : {},
      );
      return r.affectedRows ?? 0;
    };
  }
  const pool = driver?.pool;
  if (pool) {
    return async (sql, params, bytes) => {
      const all = bytes ? [...params, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)] : params;
      const r = await pool.query(sql.replace('$B', `$${params.length + 1}::bytea`), all);
      return r.rowCount ?? 0;
    };
  }
  return (sql, params, bytes) => {
    const all = bytes
      ? [...params, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')]
      : params;
    return db.$executeRawUnsafe(sql.replace('$B', `decode($${params.length + 1}, 'base64')`), ...all);
  };
}

/**
 * Stores a mail and its bytes; `null` when a mail with its key is stored
 * already (the caller answers DUPLICATE with that one's outcome).
 */
export async function insertMail(
  db: Db,
  driver: MailDriver | undefined,
  mail: NewMail,
  raw: Uint8Array,
): Promise<string | null> {
  const exec = executor(db, driver);
  // An MTA's retry of a mail already stored: no need to write it again.
  if (await db.inboundMail.findUnique({ where: { messageKey: mail.messageKey }, select: { id: true } })) return null;
  const id = uuidv7();
  for (let seq = 0, at = 0; seq === 0 || at < raw.length; seq++, at += CHUNK_BYTES) {
    // Between pieces, whatever else waits for the event loop goes first.
    if (seq > 0) await nextTurn();
    await exec(
      'INSERT INTO inbound_mail_chunk (mail_id, seq, bytes) VALUES ($1::uuid, $2, $B)',
      [id, seq],
      raw.subarray(at, at + CHUNK_BYTES),
    );
  }
  const stored = await exec(
    `INSERT INTO inbound_mail (id, message_key, size, truncated, sender, subject, via, received_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_key) DO NOTHING`,
    [id, mail.messageKey, mail.size, mail.truncated, mail.sender, mail.subject, mail.via, mail.receivedAt],
  );
  if (stored) return id;
  // The same mail, stored meanwhile by another connection: these pieces are nobody's.
  await exec('DELETE FROM inbound_mail_chunk WHERE mail_id = $1::uuid', [id]);
  return null;
}

/** A stored mail's bytes (as base64 from PostgreSQL: see the top of this file). */
export async function loadMail(db: Pick<Db, '$queryRaw'>, id: string): Promise<Buffer> {
  const rows = await db.$queryRaw<
    { bytes: string }[]
  >`SELECT encode(bytes, 'base64') AS bytes FROM inbound_mail_chunk WHERE mail_id = ${id}::uuid ORDER BY seq`;
  return Buffer.concat(rows.map((r) => Buffer.from(r.bytes, 'base64')));
}

/** Deletes pieces of mails that were never stored (a crash between pieces and row, or a duplicate). */
export async function sweepOrphanChunks(db: Pick<Db, '$executeRaw'>, now: Date): Promise<number> {
  return db.$executeRaw`DELETE FROM inbound_mail_chunk c
    WHERE c.written_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS)}
      AND NOT EXISTS (SELECT 1 FROM inbound_mail m WHERE m.id = c.mail_id)`;
}
