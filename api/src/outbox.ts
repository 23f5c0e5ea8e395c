// The outbox worker: delivers the mails that changes queued in their own
// transactions (mailing-list confirmations and advisories, messages to
// reporters), through SMTP with nodemailer. A message to a reporter with a
// key goes as PGP/MIME (RFC 3156), encrypted to the key they have at delivery
// time and signed by the PSIRT key; mailing-list mails are clear-signed.
//
// Claiming: a batch is taken with UPDATE … WHERE id IN (SELECT … FOR UPDATE
// SKIP LOCKED), which moves each row's next_attempt_at one lease ahead, so
// several instances never take the same row, and a row whose worker died
// becomes due again when its lease runs out — nothing is lost. A row is marked
// SENT right after the SMTP server accepted it; only a crash between those two
// steps can send a mail twice, and then with the same Message-ID (the row id),
// which mail clients use to drop the duplicate.
import type { Db } from '@psirt/db';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import MimeNode from 'nodemailer/lib/mime-node/index.js';
import type { Logger } from './logger.ts';
import { clearSign, currentSigningKey, encryptToReporter } from './services/keys.ts';

/** Topics this worker delivers. */
const TOPICS = ['mail.list.confirm', 'mail.list.advisory', 'mail.reporter'];
const LEASE_MS = 2 * 60_000;
const MAX_ATTEMPTS = 8;
/** Mails in flight at once (and pooled SMTP connections). */
const CONCURRENCY = 4;

interface Claimed {
  id: string;
  topic: string;
  payload: {
    to: string;
    subject: string;
    text?: string;
    body?: string;
    headers?: Record<string, string>;
    encryptTo?: 'reporter-key' | null;
    reportId?: string;
  };
  attempts: number;
}

/**
 * Claims up to `limit` due messages of these topics for one lease (see the
 * top of this file), oldest due first: each comes back with its attempts
 * counted. The mail worker and the CVE Services worker (cve/worker.ts) share it.
 */
export function claimOutbox<T extends { id: string }>(
  db: Db,
  topics: readonly string[],
  now: Date,
  limit: number,
): Promise<T[]> {
  return db.$queryRaw<T[]>`
    UPDATE "outbox_message" SET "attempts" = "attempts" + 1, "next_attempt_at" = ${new Date(now.getTime() + LEASE_MS)}
    WHERE "id" IN (
      SELECT "id" FROM "outbox_message"
      WHERE "status" = 'PENDING' AND "next_attempt_at" <= ${now} AND "topic" = ANY(${[...topics]}::text[])
      ORDER BY "next_attempt_at", "id"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING "id", "topic", "payload", "attempts"`;
}

/** Backoff after a failed attempt: 30 s, 1 min, 2 min … capped at 1 h. */
export const backoffMs = (attempts: number) => Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);

export interface OutboxDeps {
  db: Db;
  transport: Pick<Transporter, 'sendMail'>;
  from: string;
  now: () => Date;
  log: Logger;
  batchSize?: number;
  /** The PSIRT keys' passphrase: mails are then signed. */
  keyPassphrase?: string;
}

/** Claims and delivers due messages until none is left; returns how many were sent. */
export async function drainOutbox(deps: OutboxDeps): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (;;) {
    const batch = await claimOutbox<Claimed>(deps.db, TOPICS, deps.now(), deps.batchSize ?? 50);
    if (batch.length === 0) return { sent, failed };
    const deliver = async (m: Claimed) => {
      try {
        await deps.transport.sendMail(await compose(deps, m));
        await deps.db.outboxMessage.update({
          where: { id: m.id },
          data: { status: 'SENT', sentAt: deps.now(), lastError: null },
        });
        sent += 1;
      } catch (error) {
        failed += 1;
        const last = m.attempts >= MAX_ATTEMPTS;
        const reason = error instanceof Error ? error.message.slice(0, 500) : String(error);
        await deps.db.outboxMessage.update({
          where: { id: m.id },
          data: {
            status: last ? 'FAILED' : 'PENDING',
            lastError: reason,
            nextAttemptAt: new Date(deps.now().getTime() + backoffMs(m.attempts)),
          },
        });
        deps.log.warn(
          { outboxId: m.id, topic: m.topic, attempts: m.attempts, reason, gaveUp: last },
          'mail not delivered',
        );
      }
    };
    for (let i = 0; i < batch.length; i += CONCURRENCY) {
      await Promise.all(batch.slice(i, i + CONCURRENCY).map(deliver));
    }
  }
}

/** The mail for an outbox row: plain, clear-signed (lists) or PGP/MIME encrypted and signed (reporters with a key). */
async function compose(deps: OutboxDeps, m: Claimed): Promise<SendMailOptions> {
  const messageId = `<${m.id}@psirt.outbox>`;
  const text = m.payload.text ?? m.payload.body ?? '';
  // Only the mails that are signed look the key up.
  const signer = () => (deps.keyPassphrase ? currentSigningKey(deps.db, deps.keyPassphrase) : null);
  const now = deps.now();
  if (m.topic === 'mail.reporter' && m.payload.encryptTo && m.payload.reportId) {
    const report = await deps.db.vulnerabilityReport.findUnique({
      where: { id: m.payload.reportId },
      select: { reporter: { select: { pgpPublicKey: true } } },
    });
    const key = report?.reporter?.pgpPublicKey;
    if (key) {
      // The content, with its real subject inside the encryption ("protected headers").
      const inner = new MimeNode('multipart/mixed').createChild('text/plain; charset=utf-8; protected-headers="v1"');
      inner.setHeader('Subject', m.payload.subject);
      inner.setContent(text);
      const armored = await encryptToReporter(key, new Uint8Array(await inner.build()), await signer(), now);
      const outer = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"');
      const prefix = /^\[[^\]]+\]/.exec(m.payload.subject)?.[0];
      outer.setHeader({
        From: deps.from,
        To: m.payload.to,
        Subject: prefix ? `${prefix} Encrypted message` : 'Encrypted message',
        'Message-ID': messageId,
        ...(m.payload.headers ?? {}),
      });
      outer
        .createChild('application/pgp-encrypted')
        .setHeader({ 'Content-Description': 'PGP/MIME version identification', 'Content-Transfer-Encoding': '7bit' })
        .setContent('Version: 1\r\n');
      outer
        .createChild('application/octet-stream; name="encrypted.asc"')
        .setHeader({
          'Content-Description': 'OpenPGP encrypted message',
          'Content-Disposition': 'inline; filename="encrypted.asc"',
          'Content-Transfer-Encoding': '7bit',
        })
        .setContent(armored);
      return { envelope: { from: deps.from, to: m.payload.to }, raw: await outer.build() };
    }
  }
  const listSigner = m.topic.startsWith('mail.list.') ? await signer() : null;
  const signed = listSigner ? await clearSign(text, listSigner, now) : text;
  return {
    from: deps.from,
    to: m.payload.to,
    subject: m.payload.subject,
    text: signed,
    headers: m.payload.headers ?? {},
    messageId,
  };
}

/**
 * An SMTP transport from a URL such as smtp://user:pass@mail.example.com:587:
 * a small pool of reused connections (a new connection per mail costs a TCP and
 * SMTP handshake each).
 */
export function smtpTransport(url: string) {
  return nodemailer.createTransport({ url, pool: true, maxConnections: CONCURRENCY });
}
