// The reporter pages' form tokens: no cookie (reporters are anonymous), so each
// form carries a token — a time, a random nonce and their HMAC — good for one
// submission within four hours. Keyed from the PSIRT keys' passphrase, so
// instances agree; each use is recorded (its SHA-256 in used_form_token), so a
// token replayed on any instance is refused. The browser's Origin must be this
// site: another site's, or the "null" of a sandboxed frame or a data: URL, is
// refused whatever the token.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Db } from '@psirt/db';

/** How long a form stays good, in seconds (a long report takes a while to write). */
export const FORM_TOKEN_MAX_AGE_S = 4 * 3600;
/** A clock a little ahead elsewhere: tokens up to this far in the future are taken. */
const SKEW_S = 300;

export interface FormTokens {
  /** A new token for a form being shown. */
  issue(): string;
  /** True once for a valid token posted from this site; false for anything else, and for a second use. */
  consume(req: IncomingMessage, token: string | undefined): Promise<boolean>;
}

export function formTokens(deps: { db: Db; now: () => Date; keyPassphrase?: string }): FormTokens {
  // Without the passphrase, each process has its own secret (its forms are its own).
  const secret = deps.keyPassphrase
    ? createHmac('sha256', deps.keyPassphrase).update('psirt site csrf v2').digest()
    : randomBytes(32);
  const mac = (body: string) => createHmac('sha256', secret).update(body).digest('base64url');
  let purged = 0;

  /** Whether the browser says the form comes from this site (no Origin: not a browser's cross-site post). */
  const sameOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (origin === 'null') return false;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  return {
    issue() {
      const body = `${Math.floor(deps.now().getTime() / 1000)}.${randomBytes(16).toString('base64url')}`;
      return `${body}.${mac(body)}`;
    },
    async consume(req, token) {
      if (!sameOrigin(req)) return false;
      const [ts = '', nonce = '', tag = '', ...rest] = (token ?? '').split('.');
      if (rest.length || !/^\d{1,12}$/.test(ts) || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) return false;
      const want = Buffer.from(mac(`${ts}.${nonce}`));
      const got = Buffer.from(tag);
      if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
      const now = deps.now();
      const age = now.getTime() / 1000 - Number(ts);
      if (age < -SKEW_S || age > FORM_TOKEN_MAX_AGE_S) return false;
      if (now.getTime() - purged > 60_000) {
        purged = now.getTime();
        await deps.db.usedFormToken.deleteMany({ where: { expiresAt: { lt: now } } });
      }
      // The first use inserts the row; any later one, on any instance, finds it there.
      const { count } = await deps.db.usedFormToken.createMany({
        data: [
          {
            digest: createHash('sha256').update(`${ts}.${nonce}`).digest('hex'),
            expiresAt: new Date((Number(ts) + FORM_TOKEN_MAX_AGE_S + SKEW_S) * 1000),
          },
        ],
        skipDuplicates: true,
      });
      return count === 1;
    },
  };
}
