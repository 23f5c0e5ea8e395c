// The embedded database's Slack replay store decides in memory and writes
// behind: what it claimed must still be refused after a restart (a new store
// on the same data), and what has expired may be claimed again.
import { embeddedReplayStore } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialect, type TestDatabase } from '../support/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.[Symbol.asyncDispose]();
});

const quiet = { warn: () => {} };

describe(`the embedded replay store (${dialect})`, () => {
  it('refuses a second claim at once, and still after a restart; an expired key is free again', async () => {
    let now = new Date('2026-12-04T10:00:00Z');
    const clock = () => now;
    const store = await embeddedReplayStore(db.prisma, quiet, clock);
    expect(await store.claim('signature:a', 600)).toBe(true);
    expect(await store.claim('command:t1', 7200)).toBe(true);
    // The same signature: refused. Slack's retry (a new signature, the same work): the work is not claimed.
    expect(await store.claim('signature:a', 600)).toBe(false);
    expect(await store.claim('signature:b', 600)).toBe(true);
    expect(await store.claim('command:t1', 7200)).toBe(false);
    // A key longer than the table keeps is refused again after a restart too.
    const long = `command:${'x'.repeat(400)}`;
    expect(await store.claim(long, 7200)).toBe(true);
    await store.flushed();

    const restarted = await embeddedReplayStore(db.prisma, quiet, clock);
    expect(await restarted.claim('signature:a', 600)).toBe(false);
    expect(await restarted.claim('command:t1', 7200)).toBe(false);
    expect(await restarted.claim(long, 7200)).toBe(false);

    now = new Date(now.getTime() + 601_000);
    expect(await restarted.claim('signature:a', 600)).toBe(true);
    expect(await restarted.claim('command:t1', 7200)).toBe(false);
    await restarted.flushed();
    const rows = await db.prisma.slackDelivery.findMany({ orderBy: { key: 'asc' } });
    // signature:b has expired: purged.
    expect(rows.map((r) => r.key)).toEqual(['command:t1', long.slice(0, 300), 'signature:a']);
    expect(rows.find((r) => r.key === 'signature:a')?.expiresAt).toEqual(new Date(now.getTime() + 600_000));
  });
});
