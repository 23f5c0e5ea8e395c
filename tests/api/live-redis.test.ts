// Two API instances on one database, sharing live updates through the
// machine's Redis: a change made through one reaches subscribers of the
// other, authorized there — and only ids travel through Redis.
//
// Needs Redis (PSIRT_TEST_REDIS_URL, default redis://127.0.0.1:6379). Without
// it the suite is skipped, unless PSIRT_TEST_REQUIRE_REDIS=1 (CI) makes that a failure.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { listening, liveWs } from '../support/live.ts';
import { makeWorld, openCase, type World } from '../support/world.ts';

const redisUrl = process.env.PSIRT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const available = await redisAnswers();
if (!available && process.env.PSIRT_TEST_REQUIRE_REDIS === '1') {
  throw new Error(`Redis is required here (PSIRT_TEST_REQUIRE_REDIS=1) but ${redisUrl} does not answer`);
}

let a: TestApp;
let b: TestApp;
let w: World;
let spy: Redis;
const heard: string[] = [];
// Each run on its own channels: other suites (and runs) may share this Redis.
const channelPrefix = `psirt-test-${randomUUID()}:`;

beforeAll(async () => {
  if (!available) return;
  a = await startTestApp({ live: { redisUrl, channelPrefix } });
  b = await startTestApp({ live: { redisUrl, channelPrefix }, shareDatabaseOf: a });
  w = await makeWorld(a);
  spy = new Redis(redisUrl);
  await spy.psubscribe(`${channelPrefix}*`);
  spy.on('pmessage', (_pattern, _channel, message) => heard.push(message));
});
afterAll(async () => {
  spy?.disconnect();
  await b?.[Symbol.asyncDispose]();
  await a?.[Symbol.asyncDispose]();
});

describe.skipIf(!available)(`live updates across instances through Redis (${dialect})`, () => {
  it('delivers a change made on instance A to a subscriber on instance B, authorized on B', async () => {
    const { caseId } = await openCase(a, w, ['gateway']);
    const onB = liveWs(b, w.gridPrime.token);
    const outsiderOnB = liveWs(b, w.outsider.token);
    const onA = liveWs(a, w.analyst.token);
    try {
      const beforeB = b.live.listeners();
      const beforeA = a.live.listeners();
      const primeSees = onB.subscribe('subscription { caseUpdated { publicId title } }');
      const outsiderSees = outsiderOnB.subscribe('subscription { caseUpdated { publicId } }');
      const analystSees = onA.subscribe('subscription($c: ID!) { caseEvents(caseId: $c) { type } }', { c: caseId });
      await listening(b, beforeB + 2);
      await listening(a, beforeA + 1);

      // A mutation on A…
      const secret = 'Root cause: hard-coded HMAC key in the session cookie';
      const r = await w.analyst.gql('mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }', {
        c: caseId,
        t: secret,
      });
      expect(r.errors).toBeUndefined();
      // …reaches B's subscriber who may read the case, and not B's outsider.
      expect(await primeSees.waitFor(1)).toEqual([{ publicId: caseId, title: expect.any(String) }]);
      // A mutation sent to B reaches A's subscriber.
      const viaB = await (async () => {
        const res = await fetch(b.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${w.analyst.token}` },
          body: JSON.stringify({
            query: 'mutation($c: String!) { addCaseNote(caseId: $c, text: "from B") { id } }',
            variables: { c: caseId },
          }),
        });
        return res.json();
      })();
      expect(viaB.errors).toBeUndefined();
      expect((await analystSees.waitFor(2)).map((e) => e.type)).toEqual(['CASE_NOTE', 'CASE_NOTE']);
      await primeSees.waitFor(2);
      expect(outsiderSees.items).toEqual([]);

      // Only ids and event types went through Redis: no titles, notes or names.
      expect(heard.length).toBeGreaterThanOrEqual(2);
      for (const m of heard) {
        expect(m).not.toContain(secret);
        const [id, events, ...rest] = Object.keys(JSON.parse(m)).sort();
        expect(['advisoryId', 'caseId', 'reportId']).toContain(id === 'events' ? events : id);
        expect(rest).toEqual([]);
      }
    } finally {
      await Promise.all([onB, outsiderOnB, onA].map((c) => c.dispose()));
    }
  });
});
