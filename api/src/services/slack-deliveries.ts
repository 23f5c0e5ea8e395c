import type { ReplayStore } from '@psirt/bot';
import type { Db } from '@psirt/db';

/**
 * The bot's replay store in the database, so every API instance sees what any
 * of them received. A claim is one statement: a new key, or one whose time has
 * run out, is taken; a live one is not. Expired rows are purged once a minute.
 */
export function databaseReplayStore(db: Db, now: () => Date = () => new Date()): ReplayStore {
  let purged = 0;
  return {
    async claim(key, ttlSeconds) {
      const at = now();
      if (at.getTime() - purged > 60_000) {
        purged = at.getTime();
        await db.slackDelivery.deleteMany({ where: { expiresAt: { lt: at } } });
      }
      const until = new Date(at.getTime() + ttlSeconds * 1000);
      const taken = await db.$queryRaw<{ key: string }[]>`
        INSERT INTO "slack_delivery" ("key", "expires_at") VALUES (${key.slice(0, 300)}, ${until})
        ON CONFLICT ("key") DO UPDATE SET "expires_at" = EXCLUDED."expires_at"
          WHERE "slack_delivery"."expires_at" < ${at}
        RETURNING "key"`;
      return taken.length === 1;
    },
  };
}
