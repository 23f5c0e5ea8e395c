// Socket Mode: with an app-level token the bot opens a WebSocket to Slack (here
// the fake's, from apps.connections.open) instead of taking HTTP posts;
// commands arrive as envelopes and are acknowledged on the socket at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/db.ts';
import { type SlackWorld, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

let s: SlackWorld;

beforeAll(async () => {
  s = await startSlackWorld({ slack: { appToken: 'xapp-1-test-token' }, links: { analyst: 'UANALYST1' } });
});
afterAll(() => s?.[Symbol.asyncDispose]());

describe(`Slack Socket Mode (${dialect})`, () => {
  it('takes slash commands over the socket, acknowledges them there, and answers through response_url', async () => {
    expect(s.slack.socketConnected()).toBe(true);
    expect(s.slack.calls.map((c) => c.method)).toContain('apps.connections.open');
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const ack = await s.slack.envelope('slash_commands', {
      command: '/psirt',
      text: `note ${caseId} over the socket`,
      user_id: 'UANALYST1',
      channel_id: 'C0001',
      team_id: 'T0001',
      response_url: s.slack.responseUrl('socket'),
      trigger_id: 'trigger.socket',
    });
    expect(ack.envelope_id).toMatch(/^env-/);
    expect((await s.slack.response('socket')).text).toBe(`Noted on ${caseId}.`);
    // No HTTP endpoint for Slack in Socket Mode.
    const res = await fetch(`${s.app.origin}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });
});
