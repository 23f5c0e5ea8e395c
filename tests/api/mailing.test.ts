// The advisory mailing list end to end, through a real SMTP server: double
// opt-in, filters, one mail per matching subscriber on publication, unsubscribe
// links, retries after a refused delivery, and nothing lost or sent twice when
// delivery dies half-way.
import { createLogger, drainOutbox, smtpTransport } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedAdvisory, readyCase } from '../support/advisories.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';
import { makeWorld, type World } from '../support/world.ts';

let smtp: TestSmtp;
let app: TestApp;
let w: World;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ submissionsPerHour: 1000, mail: { url: smtp.url, intervalMs: 50 } });
  w = await makeWorld(app);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await smtp?.close();
});

const SUBSCRIBE = `mutation($e: String!, $p: [String!], $s: Severity) {
  subscribeToAdvisories(email: $e, products: $p, minSeverity: $s) { message } }`;
const tokenIn = (text: string | undefined, path: string) =>
  new RegExp(`${path}\\?token=([\\w-]+)`).exec(text ?? '')?.[1] as string;
const local = (url: string) => new URL(url.replace('https://psirt.example.com', ''), app.origin).href;

/**
 * Waits until the worker has delivered every mail it has not yet failed on —
 * including ones it has claimed and is sending right now — so that a mail that
 * should not exist has had every chance to arrive.
 */
async function drained() {
  for (let i = 0; i < 200; i++) {
    const left = await app.db.prisma.outboxMessage.count({ where: { status: 'PENDING', lastError: null } });
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the outbox did not drain in 10 s');
}

async function confirmedSubscriber(email: string, filters: { p?: string[]; s?: string } = {}) {
  const res = await app.anonymous.gql(SUBSCRIBE, { e: email, ...filters });
  expect(res.data?.subscribeToAdvisories.message).toMatch(/^If this address can receive mail/);
  const [mail] = await smtp.waitFor(() => smtp.to(email).length > 0).then(() => smtp.to(email));
  const token = tokenIn(mail?.text, '/subscriptions/confirm');
  expect((await app.anonymous.gql(`mutation { confirmAdvisorySubscription(token: "${token}") }`)).data).toEqual({
    confirmAdvisorySubscription: true,
  });
}

describe(`the advisory mailing list (${dialect})`, () => {
  it('mails each confirmed, matching subscriber once per publication; unsubscribing stops it', async () => {
    await confirmedSubscriber('alice@example.org');
    await confirmedSubscriber('dave@example.org', { s: 'CRITICAL' }); // the advisory is HIGH
    // Bob subscribes on the website, for a product the advisory is not about.
    const form = new URLSearchParams({ email: 'bob@example.org', products: 'bms', minSeverity: '' });
    const page = await fetch(new URL('/subscribe', app.origin), {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await page.text()).toContain('<h1>Check your inbox</h1>');
    const [bobConfirm] = await smtp.waitFor(() => smtp.to('bob@').length > 0).then(() => smtp.to('bob@'));
    const confirmed = await fetch(
      local(
        `https://psirt.example.com/subscriptions/confirm?token=${tokenIn(bobConfirm?.text, '/subscriptions/confirm')}`,
      ),
    );
    expect(await confirmed.text()).toContain('<h1>Subscribed</h1>');
    // Carol never opens her link: she gets nothing but that.
    await app.anonymous.gql(SUBSCRIBE, { e: 'carol@example.org' });
    await smtp.waitFor(() => smtp.to('carol@').length > 0);

    const a = await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-40001' }));
    const [mail] = await smtp.waitFor(() => smtp.to('alice@').length === 2).then(() => smtp.to('alice@').slice(1));
    expect(mail?.subject).toBe(`[${a}] GridLink Gateway authentication bypass (High 8.8)`);
    expect(mail?.text).toContain(`Advisory: https://psirt.example.com/advisories/${a}`);
    expect(mail?.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(mail?.messageId).toMatch(/@psirt\.outbox>$/);
    await drained();
    expect(smtp.to('bob@')).toHaveLength(1); // the confirmation only
    expect(smtp.to('carol@')).toHaveLength(1);
    expect(smtp.to('dave@')).toHaveLength(1);

    // Unsubscribe, as a mail client's one-click does (RFC 8058), twice: the second changes nothing.
    const unsubscribeUrl = local(/Unsubscribe: (\S+)/.exec(mail?.text ?? '')?.[1] as string);
    expect(await (await fetch(unsubscribeUrl)).text()).toContain('<button type="submit">Unsubscribe</button>');
    for (let i = 0; i < 2; i++) {
      const res = await fetch(unsubscribeUrl, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(await res.text()).toContain('<h1>Unsubscribed</h1>');
    }
    await publishedAdvisory(app, w, await readyCase(app, w, { cve: 'CVE-2026-40002' }));
    await drained();
    expect(smtp.to('alice@')).toHaveLength(2);
  });

  it('answers a subscription request the same whoever is subscribed, and refuses a bad address', async () => {
    const first = await app.anonymous.gql(SUBSCRIBE, { e: 'erin@example.org' });
    const again = await app.anonymous.gql(SUBSCRIBE, { e: 'erin@example.org' });
    expect(again.data).toEqual(first.data);
    const bad = await app.anonymous.gql(SUBSCRIBE, { e: 'not-an-address' });
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'VALIDATION', field: 'input.email' } });
    const unknown = await app.anonymous.gql('mutation { confirmAdvisorySubscription(token: "nope") }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('retries a delivery the mail server refused, with backoff, and sends it once', async () => {
    // Let earlier mail drain first, so the refusal is this one's.
    await drained();
    smtp.refuseNext = 1;
    await app.anonymous.gql(SUBSCRIBE, { e: 'frank@example.org' });
    const row = () =>
      app.db.prisma.outboxMessage.findFirstOrThrow({
        where: { topic: 'mail.list.confirm', payload: { path: ['to'], equals: 'frank@example.org' } },
      });
    let r = await row();
    for (let i = 0; i < 100 && !r.lastError; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await row();
    }
    expect(r).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(r.lastError).toMatch(/451/);
    expect(r.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
    app.advanceClock(60_000);
    await smtp.waitFor(() => smtp.to('frank@').length > 0);
    // The worker marks it SENT once the mail server's answer is back: after the mail arrived there.
    r = await row();
    for (let i = 0; i < 100 && r.status !== 'SENT'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await row();
    }
    expect(r).toMatchObject({ status: 'SENT', attempts: 2 });
    await drained();
    expect(smtp.to('frank@')).toHaveLength(1);
  });
});

describe(`outbox delivery that dies half-way (${dialect})`, () => {
  it('loses nothing and sends nothing twice when a worker stops mid-batch', async () => {
    // An instance without mail delivery: the publication queues, nobody delivers yet.
    const quiet = await startTestApp({ submissionsPerHour: 1000 });
    try {
      const qw = await makeWorld(quiet);
      await quiet.db.prisma.mailingListSubscriber.createMany({
        data: Array.from({ length: 25 }, (_, i) => ({
          email: `reader${i}@example.net`,
          unsubscribeToken: `t${i}-${Date.now()}`,
          confirmedAt: new Date(),
        })),
      });
      await publishedAdvisory(quiet, qw, await readyCase(quiet, qw, { cve: 'CVE-2026-40003' }));
      expect(
        await quiet.db.prisma.outboxMessage.count({ where: { topic: 'mail.list.advisory', status: 'PENDING' } }),
      ).toBe(25);

      // A worker whose process "dies" on its 7th mail: that send never completes.
      const real = smtpTransport(smtp.url);
      let calls = 0;
      const dying = {
        sendMail: (mail: Parameters<typeof real.sendMail>[0]) => {
          calls += 1;
          return calls === 7 ? new Promise<never>(() => {}) : real.sendMail(mail);
        },
      };
      const before = smtp.mails.length;
      const log = createLogger('silent');
      void drainOutbox({
        db: quiet.db.prisma,
        transport: dying,
        from: 'psirt@example.com',
        now: () => new Date(),
        log,
        batchSize: 10,
      });
      await smtp.waitFor((m) => m.length - before >= 6);
      await new Promise((r) => setTimeout(r, 300));
      // The others in flight beside the stuck one got through; the rest of its batch is claimed, not sent.
      const delivered = smtp.mails.length - before;
      expect(delivered).toBeGreaterThanOrEqual(6);

      // Another worker, after the dead one's lease ran out, delivers the rest.
      const later = () => new Date(Date.now() + 5 * 60_000);
      const result = await drainOutbox({
        db: quiet.db.prisma,
        transport: real,
        from: 'psirt@example.com',
        now: later,
        log,
        batchSize: 10,
      });
      // Every queued mail (the advisory's 25 and the reporter's) went out exactly once; the one
      // whose send never finished was sent by the second worker, not lost.
      const queued = await quiet.db.prisma.outboxMessage.count();
      expect(delivered).toBeLessThan(queued);
      expect(result).toEqual({ sent: queued - delivered, failed: 0 });
      expect(await quiet.db.prisma.outboxMessage.count({ where: { status: 'SENT' } })).toBe(queued);
      expect(smtp.mails.length - before).toBe(queued);
      real.close();
      const readers = smtp.mails
        .slice(before)
        .map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '')
        .filter((t) => t.endsWith('@example.net'));
      expect(readers).toHaveLength(25);
      expect(new Set(readers).size).toBe(25);
    } finally {
      await quiet[Symbol.asyncDispose]();
    }
  });
});
