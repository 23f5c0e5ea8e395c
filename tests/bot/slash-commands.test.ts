// The Slack bot as Slack drives it: signed slash commands over real HTTP to
// /slack/events on the API's port, Bolt's Web API calls and response_url posts
// landing on a local fake Slack; asserted as Slack would show them and in the
// database. The bot acts as the linked PSIRT user, so the API's rules apply.
import { definePlugin } from '@psirt/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/db.ts';
import { postToBot, type SlackWorld, slashCommand, startSlackWorld } from '../support/slack.ts';
import { openCase, reportInput, SUBMIT } from '../support/world.ts';

let s: SlackWorld;

beforeAll(async () => {
  s = await startSlackWorld({
    app: {
      submissionsPerHour: 1000,
      // CVE Services credentials (never called here: its worker is off), so reservations are queued.
      cve: {
        apiUrl: 'http://127.0.0.1:9/api/',
        org: 'examplevendor',
        orgId: 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6',
        user: 'bot@example.com',
        apiKey: 'not-used-here',
        intervalMs: 0,
      },
    },
    links: { analyst: 'UANALYST1', gridPrime: 'UGRIDPRIME', outsider: 'UOUTSIDER' },
  });
});
afterAll(() => s?.[Symbol.asyncDispose]());

const psirt = (user: string, text: string) => s.psirt(user, text);

describe(`Slack slash commands (${dialect})`, () => {
  it('lists every registered command in /psirt help', async () => {
    const help = await psirt('UANALYST1', 'help');
    expect(help.response_type).toBe('ephemeral');
    for (const c of [
      'help',
      'queue',
      'case',
      'note',
      'triage',
      'move',
      'score',
      'assign',
      'impact',
      'notify',
      'advisory',
      'cve',
    ]) {
      expect(help.text).toContain(`/psirt ${c}`);
    }
    expect((await psirt('UANALYST1', '')).text).toContain('/psirt queue');
    expect((await psirt('UANALYST1', 'frobnicate')).text).toContain('There is no `/psirt frobnicate`');
  });

  it('reserves CVE ids for a case: queued for CVE Services, the PSIRT only', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const queued = () =>
      s.app.db.prisma.outboxMessage.findMany({ where: { topic: 'cve.reserve' }, select: { payload: true } });
    const before = (await queued()).length;
    expect((await psirt('UANALYST1', `cve reserve ${caseId.toLowerCase()} 2`)).text).toBe(
      `Asked CVE Services for 2 CVE ids for ${caseId}. They will be on the case when it answers; its timeline keeps the answer.`,
    );
    const rows = await queued();
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)?.payload).toMatchObject({ kind: 'reserve', amount: 2 });
    expect((await psirt('UGRIDPRIME', `cve reserve ${caseId}`)).text).toContain('(FORBIDDEN)');
    expect((await psirt('UANALYST1', `cve reserve ${caseId} 11`)).text).toContain('"11" is not a number from 1 to 10');
    expect((await psirt('UANALYST1', 'cve publish CVE-2026-1')).text).toContain('only "reserve" is offered here');
    expect(await queued()).toHaveLength(before + 1);
  });

  it('tells an unlinked Slack user how to get linked, and does nothing', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const before = await s.app.db.prisma.timelineEvent.count();
    const answer = await psirt('UNOBODY1', `note ${caseId} should not land`);
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('not linked to a PSIRT account');
    expect(answer.text).toContain('psirt slack link --email <your e-mail> --slack-user UNOBODY1');
    expect(await s.app.db.prisma.timelineEvent.count()).toBe(before);
  });

  it('works a case as the linked user: note, card, score, move — with the API’s rules', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    expect((await psirt('UANALYST1', `note ${caseId} "Reproduced" on 4.2.0`)).text).toBe(`Noted on ${caseId}.`);
    const notes = await s.app.db.prisma.timelineEvent.findMany({
      where: { type: 'case.note', case: { publicId: caseId } },
      select: { data: true, actorId: true },
    });
    expect(notes).toEqual([{ data: { text: '"Reproduced" on 4.2.0' }, actorId: s.w.analyst.userId }]);

    const card = await psirt('UGRIDPRIME', `case ${caseId}`);
    expect(card.text).toContain(`*${caseId}*`);
    expect(card.text).toContain('State: analysis');
    expect(card.text).toContain('GridLink Gateway (under investigation)');
    // Need-to-know: the outsider is not on the case and learns nothing of it.
    expect((await psirt('UOUTSIDER', `case ${caseId}`)).text).toBe(`No case ${caseId}, or not one you may see.`);
    expect((await psirt('UOUTSIDER', `note ${caseId} sneaky`)).text).toContain('(NOT_FOUND)');

    // A malformed vector gets the calculator's exact words.
    const bad = await psirt('UANALYST1', `score ${caseId} CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q`);
    expect(bad.text).toContain('A:Q is not a value of Availability (allowed: H, L, N)');
    const scored = await psirt(
      'UGRIDPRIME',
      `score ${caseId} CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H gateway plant network only`,
    );
    expect(scored.text).toContain('Case severity: HIGH 8.8');

    // The workflow's guard speaks for itself, to the user only.
    expect(await psirt('UANALYST1', `move ${caseId} remediation`)).toEqual({
      response_type: 'ephemeral',
      text: 'Cannot move from ANALYSIS to REMEDIATION: at least one product must be AFFECTED or FIXED. (CONFLICT)',
    });
    await s.w.gridSpecialist.gql('mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }', {
      i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '<4.2.1' },
    });
    const moved = await psirt('UANALYST1', `move ${caseId} remediation`);
    expect(moved).toMatchObject({ response_type: 'in_channel', text: `${caseId} is now remediation.` });
  });

  it('assigns, records impact, notifies reporters and drafts an advisory', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    await s.app.db.prisma.user.update({ where: { id: s.w.buildingPrime.userId }, data: { slackUserId: 'UBPRIME01' } });
    const assigned = await psirt('UANALYST1', `assign ${caseId} <@UBPRIME01|bea> need-to-know`);
    expect(assigned.text).toBe(`<@UBPRIME01|bea> is on ${caseId} as need-to-know.`);
    const member = await s.app.db.prisma.caseMember.findFirst({
      where: { case: { publicId: caseId }, userId: s.w.buildingPrime.userId },
    });
    expect(member?.role).toBe('NEED_TO_KNOW');
    expect((await psirt('UANALYST1', `assign ${caseId} bea`)).text).toContain('mention the person: @name');

    const impact = await psirt(
      'UGRIDPRIME',
      `impact ${caseId} rtu not-affected vulnerable-code-not-present "No session cookies & no web UI"`,
    );
    expect(impact.text).toBe(`${caseId}: rtu is not-affected. Case severity: not scored.`);
    const rtu = await s.app.db.prisma.productImpact.findFirst({
      where: { case: { publicId: caseId }, product: { key: 'rtu' } },
    });
    expect(rtu).toMatchObject({
      status: 'NOT_AFFECTED',
      justification: 'VULNERABLE_CODE_NOT_PRESENT',
      justificationText: 'No session cookies & no web UI',
    });

    expect((await psirt('UANALYST1', `notify ${caseId} We reproduced the issue.`)).text).toBe(
      `The reporters of ${caseId} are sent your update.`,
    );
    const update = await s.app.db.prisma.reporterMessage.findFirst({
      where: { report: { case: { publicId: caseId } }, direction: 'OUTBOUND' },
      orderBy: { createdAt: 'desc' },
    });
    expect(update?.body).toContain('We reproduced the issue.');
    // The Prime is not the PSIRT: reporters are the PSIRT's to talk to.
    expect((await psirt('UGRIDPRIME', `notify ${caseId} hi`)).text).toContain('(FORBIDDEN)');

    const drafted = await psirt('UANALYST1', `advisory request ${caseId}`);
    expect(drafted.text).toMatch(new RegExp(`^SA-\\d{4}-\\d{4} drafted for ${caseId}\\.$`));
  });

  it('triages from the queue', async () => {
    const sub = await s.app.anonymous.gql(SUBMIT, { input: reportInput({ title: 'Queued in Slack' }) });
    const vsr = sub.data?.submitVulnerabilityReport.publicId as string;
    const queue = await psirt('UANALYST1', 'queue');
    expect(queue.text).toMatch(new RegExp(`\\*${vsr}\\* Queued in Slack — [0-9.]+ h`));
    // Only the PSIRT triages: the Prime is refused by the API, not by the bot.
    expect((await psirt('UGRIDPRIME', `triage ${vsr} accept gateway`)).text).toContain('(FORBIDDEN)');
    const accepted = await psirt('UANALYST1', `triage ${vsr} accept gateway`);
    expect(accepted.text).toMatch(new RegExp(`^${vsr} accepted: case VAR-\\d{4}-\\d{4} opened\\.$`));

    const other = (await s.app.anonymous.gql(SUBMIT, { input: reportInput() })).data?.submitVulnerabilityReport
      .publicId as string;
    const usage = await psirt('UANALYST1', `triage ${other} reject because`);
    expect(usage.text).toContain('give a reason: live-incident, duplicate');
    expect(usage.text).toContain('Usage: /psirt triage <VSR> accept [product…] | reject <reason> [text]');
    const rejected = await psirt('UANALYST1', `triage ${other} reject out-of-scope Not our product`);
    expect(rejected.text).toBe(`${other} rejected (out-of-scope); the reporter is told.`);
    const report = await s.app.db.prisma.vulnerabilityReport.findUnique({ where: { publicId: other } });
    expect(report?.triageOutcome).toBe('OUT_OF_SCOPE');
  });

  it('answers Slack only when the request is signed with the secret and fresh', async () => {
    const body = slashCommand(s.slack, { user: 'UANALYST1', text: 'help', name: 'unsigned' });
    expect((await postToBot(s.app, body, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await postToBot(s.app, body, { signature: 'v0=deadbeef' })).status).toBe(401);
    // Older than Slack's five-minute replay window.
    expect((await postToBot(s.app, body, { age: 6 * 60 })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.slack.responses.get('unsigned')).toBeUndefined();
  });
});

describe('the plugin contract', () => {
  it('refuses malformed plugins', () => {
    expect(() =>
      definePlugin({ name: 'x', commands: [{ name: 'Bad Name', usage: '', description: '', run: async () => {} }] }),
    ).toThrow(/not a command name/);
    const cmd = { name: 'twice', usage: '', description: '', run: async () => {} };
    expect(() => definePlugin({ name: 'x', commands: [cmd, cmd] })).toThrow(/defined twice/);
  });
});
