import { memoryReplayStore, type ReplayStore } from '@psirt/bot';
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
 * once (the bot's memory store), starting from the claims of the last runs
 * (a signature stays refused across a restart). Each claim is written behind,
 * many in one statement. On the embedded database every statement waits its
 * turn behind the work of the commands before it, and a claim there was most
 * of an ack's time under load (`npm run bench -- slack`). What a crash loses
 * is the claims of its last few milliseconds, whose requests it lost too.
 */
export async function embeddedReplayStore(
  db: Db,
  log: { warn(obj: object, msg?: string): void },
  now: () => Date = () => new Date(),
): Promise<ReplayStore & { flushed(): Promise<void> }> {
  const rows = await db.slackDelivery.findMany({
    where: { expiresAt: { gt: now() } },
    select: { key: true, expiresAt: true },
  });
  let pending: { key: string; expiresAt: Date }[] = [];
  let writing: Promise<void> = Promise.resolve();
  let purged = 0;
  let scheduled = false;
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
  const memory = memoryReplayStore(() => now().getTime(), {
    remembered: rows.map((r) => [r.key, r.expiresAt.getTime()] as const),
    // The claims of one turn of the event loop (a request's two, concurrent requests') in one statement.
    onClaimed: (key, until) => {
      pending.push({ key, expiresAt: new Date(until) });
      if (scheduled) return;
      scheduled = true;
      writing = writing.then(async () => {
        await new Promise((r) => setImmediate(r));
        scheduled = false;
        await write();
      });
    },
  });
  return {
    // Keys as the table holds them, so a long one is found again after a restart.
    claim: (key, ttlSeconds) => memory.claim(key.slice(0, 300), ttlSeconds),
    flushed: () => writing,
  };
}
