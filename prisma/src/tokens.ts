import { createHash, randomBytes } from 'node:crypto';
import type { Db, Tx } from './client.ts';

const PREFIX = 'psirt_';

/** Only this hash is stored; the secret is shown once, to whoever created it. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeToken(secret: string): boolean {
  return secret.startsWith(PREFIX) && secret.length > PREFIX.length + 20;
}

export interface IssuedToken {
  id: string;
  secret: string;
}

/** Creates a token for one subject and returns its secret (the only time it exists in clear). */
async function issueToken(
  db: Db | Tx,
  owner: { subject: 'USER'; userId: string } | { subject: 'REPORTER'; reporterId: string },
  input: { name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiToken.create({
    data: {
      ...owner,
      name: input.name,
      prefix: secret.slice(0, PREFIX.length + 6),
      tokenHash: hashToken(secret),
      expiresAt: input.expiresAt ?? null,
    },
    select: { id: true },
  });
  return { id: row.id, secret };
}

/** Creates an API token for a staff user and returns its secret (once). */
export function issueUserToken(
  db: Db | Tx,
  input: { userId: string; name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  return issueToken(db, { subject: 'USER', userId: input.userId }, input);
}

/**
 * Creates a reporter access token: it reads that reporter's own reports and
 * the messages addressed to them, nothing else (the API enforces it).
 */
export function issueReporterToken(
  db: Db | Tx,
  input: { reporterId: string; name: string; expiresAt?: Date | null },
): Promise<IssuedToken> {
  return issueToken(db, { subject: 'REPORTER', reporterId: input.reporterId }, input);
}
