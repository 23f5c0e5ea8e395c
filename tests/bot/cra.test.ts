// CRA Art. 14 in Slack: reminders 6 h and 1 h before each stage is due and when
// it is overdue, and prompts when evidence appears, in the PSIRT's private
// channel (fake Slack API, a clock the test controls); `/psirt cra` and the
// queue show the clocks first.
import { checkCraClocks, craSettings, createLogger } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/db.ts';
import { type SlackWorld, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

const HOUR = 3_600_000;
let s: SlackWorld;
let moved = 0;
const now = () => new Date(Date.now() + moved);
const advance = (ms: number) => {
  moved += ms;
  s.app.advanceClock(ms);
};
const check = () =>
  checkCraClocks({
    db: s.app.db.prisma,
    now,
    live: s.app.live,
    log: createLogger('silent'),
    settings: craSettings({ memberState: 'DE' }),
    manufacturer: { name: 'Example Vendor PSIRT', contact: 'psirt@example.com' },
  });

beforeAll(async () => {
  s = await startSlackWorld({
    links: { analyst: 'UANALYST1', gridPrime: 'UGRIDPRIME' },
    slack: { channels: { psirt: 'CPRIVPSIRT' } },
    app: { cra: { memberState: 'DE', checkIntervalMs: 0 } },
    // case, assessment, advisory and CRA subscriptions
    botListeners: 4,
  });
});
afterAll(() => s?.[Symbol.asyncDispose]());

const posts = () =>
  s.slack.calls
    .filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'CPRIVPSIRT')
    .map((c) => c.body.text as string);
async function until(what: string, ok: () => boolean, ms = 5000) {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}; posted: ${posts().join(' | ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`CRA reminders in Slack (${dialect})`, () => {
  it('posts reminders at 6 h, 1 h and overdue, with the coordinator’s local time, and prompts on new evidence', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const awareAt = new Date(now().getTime() - 18 * HOUR + 60_000);
    const started = await s.w.analyst.gql(
      'mutation($i: StartCraNotificationInput!) { startCraNotification(input: $i) { handle stages { stage dueAt dueLocal } } }',
      {
        i: {
          caseId,
          kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
          awareAt,
          basis: 'Customer incident report confirms use',
        },
      },
    );
    expect(started.errors).toBeUndefined();
    const handle = started.data?.startCraNotification.handle;
    const early = started.data?.startCraNotification.stages[0];

    // Not yet 6 h before: nothing. Then each threshold once.
    await check();
    expect(posts()).toEqual([]);
    advance(2 * 60_000);
    await check();
    const due = `${early.dueAt.slice(0, 16).replace('T', ' ')} UTC (${early.dueLocal}, CERT-Bund)`;
    await until('the 6 h reminder', () => posts().length === 1);
    expect(posts()[0]).toBe(
      `:alarm_clock: The CRA early warning (Art. 14(2)(a)) of *${handle}* is due in 6 hours: ${due}. Submit it on ENISA’s Single Reporting Platform, then record it: \`psirt cra export\` gives the text.`,
    );
    await check();
    advance(5 * HOUR);
    await check();
    await until('the 1 h reminder', () => posts().length === 2);
    expect(posts()[1]).toContain(`of *${handle}* is due in 1 hour: ${due}`);
    advance(2 * HOUR);
    await check();
    await until('the overdue reminder', () => posts().length === 3);
    expect(posts()[2]).toContain(
      `:rotating_light: The CRA early warning (Art. 14(2)(a)) of *${handle}* is *overdue*: it was due ${due}`,
    );

    // Still overdue a day later: said again.
    advance(24 * HOUR);
    await check();
    await until('the daily overdue reminder', () => posts().length === 4);
    expect(posts()[3]).toContain(`of *${handle}* is *1 day overdue*: it was due ${due}`);

    // Evidence on another case is put to the PSIRT, not acted on.
    const other = await openCase(s.app, s.w, ['gateway']);
    await s.w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId: other.caseId, exploitationObserved: { value: true, source: 'honeypot' } },
    });
    await check();
    await until('the prompt', () => posts().length === 5);
    expect(posts()[4]).toContain(
      `:grey_question: *${other.caseId}* may be actively exploited: exploitation is recorded on the case (source: honeypot).`,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(posts()).toHaveLength(5);

    // The PSIRT sees the clocks first.
    const cra = (await s.psirt('UANALYST1', 'cra')).text as string;
    expect(cra).toContain(
      `• :rotating_light: *${handle}* — early warning *overdue*, was due ${due.replace(', CERT-Bund', '')}`,
    );
    expect(cra).toContain(`• :grey_question: *${other.caseId}* may be actively exploited`);
    // A case's Prime sees the notification on their case, and no prompts (those are the PSIRT's).
    const prime = (await s.psirt('UGRIDPRIME', 'cra')).text as string;
    expect(prime).toContain(`*${handle}* — early warning *overdue*`);
    expect(prime).not.toContain(':grey_question:');
    const queue = (await s.psirt('UANALYST1', 'queue')).text as string;
    expect(queue.startsWith('CRA Art. 14 first:\n')).toBe(true);
  });
});
