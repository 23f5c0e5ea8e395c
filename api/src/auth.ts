import { type Database, type Db, hashToken, looksLikeToken } from '@psirt/db';
import { DomainError, isUuid, type Role } from '@psirt/schema';

/** Who is asking. Everything the API decides about access starts here. */
export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; email: string; name: string; roles: readonly Role[]; tokenId: string }
  /** A reporter's access token: their own reports and messages, nothing else. */
  | { kind: 'reporter'; reporterId: string; tokenId: string };

export const ANONYMOUS: Viewer = { kind: 'anonymous' };

export interface TokenRow {
  id: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  reporterId: string | null;
  userId: string | null;
  email: string | null;
  name: string | null;
  roles: string[] | null;
  disabledAt: Date | null;
}

/** Extracts the token from `Authorization: Bearer <token>`; undefined when absent. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new DomainError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".');
  return m[1];
}

/** What the token check needs of the database: its prepared statements, and Prisma for the rest. */
export type AuthDb = Pick<Database, 'prisma' | 'prepared'>;

/**
 * Resolves a bearer token to a viewer. No token: anonymous. A token that is
 * malformed, unknown, revoked, expired, or whose user is disabled: one and the
 * same UNAUTHENTICATED error, so a caller learns nothing about which it was.
 * The database is asked on every request (one prepared statement), so a
 * revocation, an expiry or a disabled user applies to the next request on
 * every instance: nothing about tokens is kept in memory.
 */
export async function authenticate(
  db: AuthDb,
  header: string | null | undefined,
  now = new Date(),
  slackUser?: string | null,
): Promise<Viewer> {
  const secret = bearerToken(header);
  if (secret === undefined) {
    if (slackUser) throw new DomainError('UNAUTHENTICATED', 'Acting for a Slack user needs the chat-ops token.');
    return ANONYMOUS;
  }
  // Made only when needed: an error (and its stack) per valid request was measurable.
  const invalid = () => new DomainError('UNAUTHENTICATED', 'The API token is invalid, expired or revoked.');
  if (!looksLikeToken(secret)) throw invalid();
  const [row] = await db.prepared<TokenRow>('psirt_token_by_hash', TOKEN_BY_HASH, [hashToken(secret)]);
  const viewer = row && viewerOf(row, now);
  if (!row || !viewer) throw invalid();
  touch(db.prisma, row, now);
  return slackUser ? actForSlackUser(db.prisma, viewer, slackUser) : viewer;
}

/** The header by which the chat-ops service account names the Slack user it acts for. */
export const SLACK_USER_HEADER = 'x-psirt-slack-user';

/**
 * The Slack bot is a client of this API: with its CHAT_OPS token and the Slack
 * user id of whoever typed the command, the request runs as the staff user
 * linked to that Slack account — with their roles, need-to-know and audit
 * trail, never the bot's. Nobody else may act for anyone.
 */
async function actForSlackUser(db: Db, bot: Viewer, slackUserId: string): Promise<Viewer> {
  if (bot.kind !== 'user' || !bot.roles.includes('CHAT_OPS')) {
    throw new DomainError('FORBIDDEN', 'Only the chat-ops service account (role CHAT_OPS) may act for a Slack user.');
  }
  const user = await db.user.findFirst({
    where: { slackUserId, disabledAt: null },
    select: { id: true, email: true, name: true, roles: true },
  });
  if (!user) {
    throw new DomainError(
      'UNAUTHENTICATED',
      `Your Slack account (${slackUserId}) is not linked to a PSIRT account. Ask an admin to run: psirt slack link --email <your e-mail> --slack-user ${slackUserId}`,
    );
  }
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    name: user.name,
    roles: (user.roles as Role[]).filter((r) => r !== 'CHAT_OPS'),
    tokenId: bot.tokenId,
  };
}

/**
 * The viewers of these tokens as they are now (roles included), or null for a
 * token no longer valid: live subscriptions re-check their token this way at
 * every event, all subscribers' tokens in one statement.
 */
export async function viewersByTokenId(
  db: Pick<Database, 'prepared'>,
  tokenIds: readonly string[],
  now: Date,
): Promise<Map<string, Viewer | null>> {
  const rows = tokenIds.length
    ? await db.prepared<TokenRow>('psirt_tokens_by_id', TOKENS_BY_ID, [tokenIds.filter(isUuid)])
    : [];
  const found = new Map(rows.map((r) => [r.id, viewerOf(r, now)]));
  return new Map(tokenIds.map((id) => [id, found.get(id) ?? null]));
}

// The token check runs on every request: one statement, prepared once per
// connection and sent by name (sql.ts), not built by a query builder each time.
// Written as SQL because that is what is prepared; its columns are TokenRow's.
const TOKEN_COLUMNS = `
  SELECT t."id", t."expires_at" AS "expiresAt", t."revoked_at" AS "revokedAt", t."last_used_at" AS "lastUsedAt",
         t."reporter_id" AS "reporterId", u."id" AS "userId", u."email", u."name", u."roles"::text[] AS "roles",
         u."disabled_at" AS "disabledAt"
  FROM "api_token" t LEFT JOIN "user" u ON u."id" = t."user_id"`;
const TOKEN_BY_HASH = `${TOKEN_COLUMNS} WHERE t."token_hash" = $1`;
const TOKENS_BY_ID = `${TOKEN_COLUMNS} WHERE t."id" = ANY($1::uuid[])`;

/** A valid token's viewer; null when revoked, expired, or its user disabled. */
function viewerOf(row: TokenRow, now: Date): Viewer | null {
  const token = {
    ...row,
    user: row.userId
      ? {
          id: row.userId,
          email: row.email as string,
          name: row.name as string,
          roles: row.roles ?? [],
          disabledAt: row.disabledAt,
        }
      : null,
  };
  if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
  const user = token.user;
  if (!user) {
    if (!token.reporterId) return null;
    return { kind: 'reporter', reporterId: token.reporterId, tokenId: token.id };
  }
  if (user.disabledAt) return null;
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles as Role[],
    tokenId: token.id,
  };
}

/**
 * When this process last wrote each token's last use: requests that arrive
 * before that write commits read the old value, and must not each write again.
 * It decides nothing about access; entries older than a minute are dropped.
 */
const touched = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;

function touch(db: Db, token: { id: string; lastUsedAt: Date | null }, now: Date) {
  // Coarse last-use tracking (at most once a minute per token), off the request's path.
  const t = now.getTime();
  if (token.lastUsedAt && t - token.lastUsedAt.getTime() <= TOUCH_EVERY_MS) return;
  const last = touched.get(token.id);
  if (last !== undefined && t - last <= TOUCH_EVERY_MS) return;
  if (touched.size >= 10_000) {
    for (const [id, at] of touched) if (t - at > TOUCH_EVERY_MS) touched.delete(id);
  }
  touched.set(token.id, t);
  void db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } }).catch(() => {});
}

export function hasRole(viewer: Viewer, role: Role): boolean {
  return viewer.kind === 'user' && viewer.roles.includes(role);
}

export function hasAnyRole(viewer: Viewer, roles: readonly Role[]): boolean {
  return roles.some((r) => hasRole(viewer, r));
}
