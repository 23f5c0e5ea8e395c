import type { ReplayStore } from '@psirt/bot';
import type { Db } from '@psirt/db';

/**
 * The bot's replay store in the database, so every API instance sees what any
 * of them received. A claim is one statement: a new key, or one whose time has
 * run out, is taken; a live one is not. Expired rows are purged once a minute.
 */
export function databaseReplayStore(db: Db, now: () => Date = () => new Date()): ReplayStore {
  let purged = 0;
  const purge = async (at: Date) => {
    if (at.getTime() - purged > 60_000) {
      purged = at.getTime();
      await db.slackDelivery.deleteMany({ where: { expiresAt: { lt: at } } });
    }
  };
  const until = (at: Date, ttlSeconds: number) => new Date(at.getTime() + ttlSeconds * 1000);
  return {
    // The signature and the work in one statement: on the embedded database every statement
    // before an ack waits its turn behind the work of the commands before it.
    async claimBoth(first, second) {
      const at = now();
      await purge(at);
      const [row] = await db.$queryRaw<{ first: number; second: number }[]>`
        WITH first AS (
          INSERT INTO "slack_delivery" ("key", "expires_at") VALUES (${first.key.slice(0, 300)}, ${until(at, first.ttlSeconds)})
          ON CONFLICT ("key") DO UPDATE SET "expires_at" = EXCLUDED."expires_at"
            WHERE "slack_delivery"."expires_at" < ${at}
          RETURNING "key"),
        second AS (
          INSERT INTO "slack_delivery" ("key", "expires_at")
          SELECT ${second.key.slice(0, 300)}, ${until(at, second.ttlSeconds)} WHERE EXISTS (SELECT 1 FROM first)
          ON CONFLICT ("key") DO UPDATE SET "expires_at" = EXCLUDED."expires_at"
            WHERE "slack_delivery"."expires_at" < ${at}
          RETURNING "key")
        SELECT (SELECT count(*) FROM first)::int AS "first", (SELECT count(*) FROM second)::int AS "second"`;
      return { first: row?.first === 1, second: row?.second === 1 };
    },
    async claim(key, ttlSeconds) {
      const at = now();
      await purge(at);
      const taken = await db.$queryRaw<{ key: string }[]>`
        INSERT INTO "slack_delivery" ("key", "expires_at") VALUES (${key.slice(0, 300)}, ${until(at, ttlSeconds)})
        ON CONFLICT ("key") DO UPDATE SET "expires_at" = EXCLUDED."expires_at"
          WHERE "slack_delivery"."expires_at" < ${at}
        RETURNING "key"`;
      return taken.length === 1;
    },
  };
}

/**
 * The replay store on the embedded database. PGlite lives in this process and
 * no other opens it, so this process alone decides claims: in memory, at
 * once, with the rows of the last runs read back at start (a signature stays
 * refused across a restart). Each claim is written behind, many in one
 * statement. On the embedded database every statement waits its turn behind
 * the work of the commands before it, and a claim there was most of an ack's
 * time under load (\`npm run bench -- slack\`). What a crash loses is the
 * claims of its last few milliseconds, whose requests it lost too.
 */
export function embeddedReplayStore(
  db: Db,
  log: { warn(obj: object, msg?: string): void },
  now: () => Date = () => new Date(),
): Required<ReplayStore> & { flushed(): Promise<void> } {
  const seen = new Map<string, number>();
  const loaded = db.slackDelivery
    .findMany({ where: { expiresAt: { gt: now() } }, select: { key: true, expiresAt: true } })
    .then((rows) => {
      for (const r of rows) seen.set(r.key, Math.max(seen.get(r.key) ?? 0, r.expiresAt.getTime()));
    });
  let pending: { key: string; expiresAt: Date }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let purged = 0;
  const write = async () => {
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    const at = now();
    try {
      await db.$executeRaw`
        INSERT INTO "slack_delivery" ("key", "expires_at")
        SELECT k, t::timestamptz FROM unnest(${batch.map((c) => c.key)}::text[], ${batch.map((c) => c.expiresAt.toISOString())}::text[]) AS c(k, t)
        ON CONFLICT ("key") DO UPDATE SET "expires_at" = GREATEST("slack_delivery"."expires_at", EXCLUDED."expires_at")`;
      if (at.getTime() - purged > 60_000) {
        purged = at.getTime();
        await db.slackDelivery.deleteMany({ where: { expiresAt: { lt: at } } });
      }
    } catch (error) {
      log.warn({ err: error, claims: batch.length }, 'could not record Slack deliveries; they are kept in memory');
    }
  };
  const take = (key: string, ttlSeconds: number, t: number) => {
    const k = key.slice(0, 300);
    const until = seen.get(k);
    if (until !== undefined && until > t) return false;
    seen.set(k, t + ttlSeconds * 1000);
    pending.push({ key: k, expiresAt: new Date(t + ttlSeconds * 1000) });
    return true;
  };
  let forgotten = 0;
  const settle = () => {
    const t = now().getTime();
    if (t - forgotten > 60_000) {
      forgotten = t;
      for (const [k, until] of seen) if (until <= t) seen.delete(k);
    }
    writing = writing.then(write);
  };
  return {
    async claim(key, ttlSeconds) {
      await loaded;
      const got = take(key, ttlSeconds, now().getTime());
      if (got) settle();
      return got;
    },
    async claimBoth(first, second) {
      await loaded;
      const t = now().getTime();
      const a = take(first.key, first.ttlSeconds, t);
      const b = a && take(second.key, second.ttlSeconds, t);
      if (a) settle();
      return { first: a, second: b };
    },
    flushed: () => writing,
  };
}
