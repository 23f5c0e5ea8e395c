// Committee votes in Slack: a revision sent for review appears in the
// committee's channel with Approve / Reject / Abstain buttons (the bot hears
// of it over its live subscription); clicks are signed block_actions payloads
// over real HTTP; the API decides who may vote, once per member per revision;
// the message is updated in place with the tally, and the decision announced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyCase } from '../support/advisories.ts';
import type { Client } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { type SlackWorld, startSlackWorld } from '../support/slack.ts';

// A private channel (the fake Slack says so of ids starting with CPRIV): the committee's must be.
const COMMITTEE_CHANNEL = 'CPRIVCOMM1';
let s: SlackWorld;
let members: (Client & { userId: string })[];

beforeAll(async () => {
  s = await startSlackWorld({
    slack: { channels: { committee: COMMITTEE_CHANNEL } },
    links: { committee: 'UCOMM0001', analyst: 'UANALYST1' },
    // The bot's own subscription to advisory changes is in place.
    botListeners: 1,
  });
  members = [s.w.committee, await s.app.login('COMMITTEE_MEMBER'), await s.app.login('COMMITTEE_MEMBER')];
  for (const [i, m] of members.slice(1).entries()) {
    await s.app.db.prisma.user.update({ where: { id: m.userId }, data: { slackUserId: `UCOMM000${i + 2}` } });
  }
});
afterAll(() => s?.[Symbol.asyncDispose]());

async function until<T>(what: string, check: () => T | undefined, ms = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `user` clicked `vote:<vote>` on the committee message `ts`. */
const click = (user: string, vote: string, value: string, ts: string, headers: Record<string, string> = {}) =>
  s.click(user, { actionId: `vote:${vote}`, value, channel: COMMITTEE_CHANNEL, ts }, headers);

const updates = () => s.slack.calls.filter((c) => c.method === 'chat.update');
const votesOn = (sa: string) =>
  s.app.db.prisma.committeeVote.findMany({
    where: { revision: { advisory: { publicId: sa } } },
    select: { decision: true, voterId: true },
  });

describe(`committee votes in Slack (${dialect})`, () => {
  it('puts the revision before the committee, counts members once, updates the tally in place, announces the decision', async () => {
    const caseId = await readyCase(s.app, s.w, { cve: 'CVE-2026-30001' });
    const created = await s.w.analyst.gql(
      'mutation($c: [String!]!) { createAdvisory(cases: $c, title: "Gateway bypass") { publicId } }',
      { c: [caseId] },
    );
    const sa = created.data?.createAdvisory.publicId as string;
    await s.w.analyst.gql(
      `mutation { requestAdvisoryReview(advisoryId: "${sa}", changelog: "Initial release") { id } }`,
    );

    const posted = await until('the committee message', () =>
      s.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === COMMITTEE_CHANNEL),
    );
    expect(posted.body.text).toContain(`*${sa}* — Gateway bypass`);
    expect(posted.body.text).toContain('Revision 1: Initial release');
    const buttons = posted.body.blocks.find((b: { type: string }) => b.type === 'actions').elements;
    expect(buttons.map((b: { action_id: string; value: string }) => [b.action_id, b.value])).toEqual([
      ['vote:approve', `${sa}:1`],
      ['vote:reject', `${sa}:1`],
      ['vote:abstain', `${sa}:1`],
    ]);
    const ts = '1700000001.000100';

    // A committee member approves: their vote, the message updated with the tally.
    const first = await click('UCOMM0001', 'approve', `${sa}:1`, ts);
    expect((await s.slack.response(first)).text).toBe(`Your vote on ${sa} revision 1: approve.`);
    const u1 = await until('the tally update', () => updates()[0]);
    expect(u1.body).toMatchObject({ channel: COMMITTEE_CHANNEL, ts });
    expect(u1.body.text).toContain('Votes: 1 approve · 0 reject · 0 abstain · 2 more needed');

    // Not a committee member: refused privately by the API; nothing counted.
    const refused = await click('UANALYST1', 'approve', `${sa}:1`, ts);
    expect((await s.slack.response(refused)).text).toContain('(FORBIDDEN)');
    // An unlinked Slack user: told how to get linked.
    const stranger = await click('USTRANGER', 'approve', `${sa}:1`, ts);
    expect((await s.slack.response(stranger)).text).toContain('not linked to a PSIRT account');
    expect(await votesOn(sa)).toEqual([{ decision: 'APPROVE', voterId: members[0]?.userId }]);

    // A second click changes the vote; Slack's retry of it changes nothing more.
    await s.slack.response(await click('UCOMM0001', 'reject', `${sa}:1`, ts));
    await s.slack.response(await click('UCOMM0001', 'reject', `${sa}:1`, ts, { 'x-slack-retry-num': '1' }));
    expect(await votesOn(sa)).toEqual([{ decision: 'REJECT', voterId: members[0]?.userId }]);

    await s.slack.response(await click('UCOMM0002', 'approve', `${sa}:1`, ts));
    await s.slack.response(await click('UCOMM0003', 'approve', `${sa}:1`, ts));
    const last = updates().at(-1);
    expect(last?.body.text).toContain('Votes: 2 approve · 1 reject · 0 abstain · 0 more needed');
    expect(last?.body.text).toContain('*Decision: approved*');
    expect(last?.body.blocks.some((b: { type: string }) => b.type === 'actions')).toBe(false);
    const advisory = await s.app.db.prisma.advisory.findUnique({ where: { publicId: sa } });
    expect(advisory?.state).toBe('APPROVED');
    const announced = await until('the announcement', () =>
      s.slack.calls.find(
        (c) => c.method === 'chat.postMessage' && String(c.body.text).includes('the committee approved it'),
      ),
    );
    expect(announced.body).toMatchObject({
      channel: COMMITTEE_CHANNEL,
      text: `${sa} — Gateway bypass: the committee approved it.`,
    });

    // A click on the old message after the decision changes nothing.
    const late = await click('UCOMM0002', 'reject', `${sa}:1`, ts);
    expect((await s.slack.response(late)).text).toBe(`Revision 1 of ${sa} is no longer under review.`);
    expect((await votesOn(sa)).map((v) => v.decision).sort()).toEqual(['APPROVE', 'APPROVE', 'REJECT']);
  });
});
