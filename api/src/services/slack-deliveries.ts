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
