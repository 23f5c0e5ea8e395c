// Slack requests, checked before Bolt sees them. Bolt verifies the signature
// and refuses a *stale* timestamp, but takes one from the future and runs the
// same signed request as often as it is sent. Here: the timestamp must be
// within five minutes of now either way, a signature is accepted once, and
// an event (event_id) or interaction (trigger_id) runs once however often
// Slack retries it. What was seen is kept in a store shared by every
// instance (the API's database, or Redis for `psirt bot`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { HTTPModuleFunctions, isValidSlackRequest } from '@slack/bolt';
import { Redis } from 'ioredis';

/** Remembers keys for a while; `claim` is true only for the first claim of a key while it is remembered. */
export interface ReplayStore {
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Claims `first`, and `second` only if `first` was taken: what each claim
   * got. For a store that can do both in one round trip (the database: one
   * statement before each ack instead of two); others claim in turn.
   */
  claimBoth?(first: Claim, second: Claim): Promise<{ first: boolean; second: boolean }>;
}

export interface Claim {
  key: string;
  ttlSeconds: number;
}

/**
 * One process's memory: enough for a single bot; use a shared store for several.
 * `remembered` are claims made before (key → until, in ms); `onClaimed` hears
 * each new claim (the embedded database's store writes them behind).
 */
export function memoryReplayStore(
  now: () => number = Date.now,
  o: { remembered?: Iterable<readonly [string, number]>; onClaimed?: (key: string, until: number) => void } = {},
): ReplayStore {
  const seen = new Map<string, number>(o.remembered ?? []);
  let purged = 0;
  return {
    async claim(key, ttlSeconds) {
      const t = now();
      if (t - purged > 60_000) {
        purged = t;
        for (const [k, until] of seen) if (until <= t) seen.delete(k);
      }
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      seen.set(key, t + ttlSeconds * 1000);
      o.onClaimed?.(key, t + ttlSeconds * 1000);
      return true;
    },
  };
}

/** Redis (`SET … NX EX`): shared by every `psirt bot` instance on the same Redis. */
export function redisReplayStore(url: string, prefix = 'psirt:slack:'): ReplayStore & { close(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  return {
    async claim(key, ttlSeconds) {
      return (await redis.set(`${prefix}${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },
    async close() {
      await redis.quit().catch(() => {});
    },
  };
}

/** `first`, then `second` only if `first` was taken: in one round trip where the store can. */
async function claimBoth(store: ReplayStore, first: Claim, second: Claim) {
  if (store.claimBoth) return store.claimBoth(first, second);
  const got = await store.claim(first.key, first.ttlSeconds);
  return { first: got, second: got && (await store.claim(second.key, second.ttlSeconds)) };
}

/** Slack's own window: a request more than five minutes from now, either way, is refused. */
export const WINDOW_SECONDS = 5 * 60;
// A signature is remembered for as long as its timestamp could still be accepted.
const REMEMBER_SECONDS = 2 * WINDOW_SECONDS;
// Slack retries an event for about an hour.
const EVENT_SECONDS = 2 * 3600;
const BODY_LIMIT = 1 << 20;

/** What identifies the work a request asks for, so a retry does not do it twice. */
export function workKey(rawBody: string, contentType: string | undefined): string | null {
  try {
    if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
      const form = parseQuery(rawBody);
      if (typeof form.payload === 'string') {
        const p = JSON.parse(form.payload) as {
          trigger_id?: string;
          type?: string;
          actions?: { action_ts?: string }[];
        };
        const id = p.trigger_id ?? p.actions?.[0]?.action_ts;
        return id ? `interaction:${id}` : null;
      }
      return typeof form.trigger_id === 'string' ? `command:${form.trigger_id}` : null;
    }
    const body = JSON.parse(rawBody) as { event_id?: string };
    return typeof body.event_id === 'string' ? `event:${body.event_id}` : null;
  } catch {
    return null;
  }
}

/**
 * Wraps Bolt's request listener: refuses (401) a bad signature or a timestamp
 * out of the window, refuses (409) a signature seen before, and answers 200
 * without running anything for an event or interaction already handled.
 */
export function guardSlackRequests(o: {
  signingSecret: string;
  store: ReplayStore;
  now?: () => number;
  log: { warn(obj: object, msg?: string): void };
  /** The request, verified and claimed, with its body read. */
  next: (req: IncomingMessage & { rawBody: Buffer }, res: ServerResponse) => void;
}) {
  const now = o.now ?? Date.now;
  const answer = (res: ServerResponse, status: number, error?: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(error ? { error } : { ok: true }));
  };
  return async (req: IncomingMessage, res: ServerResponse) => {
    let buffered: IncomingMessage & { rawBody: Buffer };
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, BODY_LIMIT);
    } catch {
      return answer(res, 413, 'The request body is too large.');
    }
    const body = buffered.rawBody.toString('utf8');
    // Slack's unsigned SSL check of the endpoint: answered, nothing run.
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      if (parseQuery(body).ssl_check === '1') return answer(res, 200);
    }
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (
      typeof signature !== 'string' ||
      !Number.isFinite(timestamp) ||
      Math.abs(now() / 1000 - timestamp) > WINDOW_SECONDS ||
      !isValidSlackRequest({
        signingSecret: o.signingSecret,
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      })
    ) {
      o.log.warn(
        { timestamp: Number.isFinite(timestamp) ? timestamp : null },
        'Slack request refused: signature or time',
      );
      return answer(res, 401, 'Invalid or expired Slack signature.');
    }
    const seen: Claim = { key: `signature:${signature}`, ttlSeconds: REMEMBER_SECONDS };
    const work = workKey(body, req.headers['content-type']);
    const claimed = work
      ? await claimBoth(o.store, seen, { key: work, ttlSeconds: EVENT_SECONDS })
      : { first: await o.store.claim(seen.key, seen.ttlSeconds), second: true };
    if (!claimed.first) {
      o.log.warn({ timestamp }, 'Slack request refused: a replay of one already received');
      return answer(res, 409, 'This request was already received.');
    }
    // Slack's retry (X-Slack-Retry-Num) of something already handled: acknowledged, not run again.
    if (!claimed.second) return answer(res, 200);
    o.next(buffered, res);
  };
}
