// Slack requests as an attacker who captured one would send them: dated ahead,
// sent again to the same instance or to another, and as Slack's own retries.
// Each runs at most once; the store of what was seen is the API's database,
// shared by every instance.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { postToBot, SIGNING_SECRET, type SlackWorld, slashCommand, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

let s: SlackWorld;

beforeAll(async () => {
  s = await startSlackWorld({ links: { analyst: 'UANALYST1' } });
});
afterAll(() => s?.[Symbol.asyncDispose]());

/** The headers Slack would sign `body` with at `timestamp` (seconds). */
const signedAt = (body: string, timestamp: number) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
});
const nowSec = () => Math.floor(Date.now() / 1000);
let n = 0;
const noteCommand = (caseId: string, text: string) => {
  n += 1;
  return slashCommand(s.slack, { user: 'UANALYST1', text: `note ${caseId} ${text}`, name: `replay${n}` });
};
const notes = (caseId: string) =>
  s.app.db.prisma.timelineEvent.count({ where: { type: 'case.note', case: { publicId: caseId } } });
const settle = () => new Promise((r) => setTimeout(r, 300));

describe(`Slack requests cannot be replayed (${dialect})`, () => {
  it('refuses a correctly signed request dated ahead of now or too long ago', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    for (const offset of [10 * 60, 365 * 24 * 3600, -10 * 60]) {
      const body = noteCommand(caseId, `dated ${offset}`);
      const res = await postToBot(s.app, body, { headers: signedAt(body, nowSec() + offset) });
      expect(res.status).toBe(401);
    }
    // Within the window, either way, it runs.
    const body = noteCommand(caseId, 'a little ahead');
    expect((await postToBot(s.app, body, { headers: signedAt(body, nowSec() + 60) })).status).toBe(200);
    await settle();
    expect(await notes(caseId)).toBe(1);
  });

  it('runs the same signed request once, on this instance or another on the same database', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const body = noteCommand(caseId, 'sent once');
    const headers = signedAt(body, nowSec());
    expect((await postToBot(s.app, body, { headers })).status).toBe(200);
    const again = await postToBot(s.app, body, { headers });
    expect(again.status).toBe(409);

    await using other = await startTestApp({
      shareDatabaseOf: s.app,
      slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, slackApiUrl: s.slack.apiUrl },
    });
    expect((await postToBot(other, body, { headers })).status).toBe(409);
    await settle();
    expect(await notes(caseId)).toBe(1);
  });

  it('answers Slack’s retries of a command or a click without running them twice', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const body = noteCommand(caseId, 'retried');
    expect((await postToBot(s.app, body, { headers: signedAt(body, nowSec()) })).status).toBe(200);
    // A retry is signed anew (another timestamp) but carries the same trigger_id.
    const retry = await postToBot(s.app, body, {
      headers: { ...signedAt(body, nowSec() + 1), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await settle();
    expect(await notes(caseId)).toBe(1);

    // Events are deduplicated by event_id.
    const event = JSON.stringify({
      token: 'x',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: 'Ev0123REPLAY',
      event_time: nowSec(),
      event: { type: 'app_home_opened', user: 'UANALYST1', channel: 'D0001', tab: 'home' },
    });
    const first = await postToBot(s.app, event, {
      contentType: 'application/json',
      headers: signedAt(event, nowSec()),
    });
    expect(first.status).toBe(200);
    const retried = await postToBot(s.app, event, {
      contentType: 'application/json',
      headers: { ...signedAt(event, nowSec() + 2), 'x-slack-retry-num': '1' },
    });
    expect(retried.status).toBe(200);
    expect(await s.app.db.prisma.slackDelivery.count({ where: { key: 'event:Ev0123REPLAY' } })).toBe(1);
  });

  it('still refuses a bad signature', async () => {
    const body = noteCommand('VAR-2026-0001', 'forged');
    expect((await postToBot(s.app, body, { secret: 'not-the-secret-at-all' })).status).toBe(401);
  });
});
