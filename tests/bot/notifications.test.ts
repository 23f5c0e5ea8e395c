// Case notifications in Slack channels: /psirt subscribe sets a channel's
// filters (products, minimum severity); the bot, hearing case changes over
// its live subscription, announces changes of state or severity there —
// embargoed cases only in a private channel set aside for them, and never
// with a reporter's identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect } from '../support/db.ts';
import { listening } from '../support/live.ts';
import { type FakeSlack, postToBot, SIGNING_SECRET, slashCommand, startFakeSlack } from '../support/slack.ts';
import { makeWorld, openCase, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let slack: FakeSlack;
let n = 0;

beforeAll(async () => {
  slack = await startFakeSlack();
  app = await startTestApp({
    slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, slackApiUrl: slack.apiUrl },
  });
  w = await makeWorld(app);
  await app.db.prisma.user.update({ where: { id: w.analyst.userId }, data: { slackUserId: 'UANALYST1' } });
  await app.db.prisma.user.update({ where: { id: w.gridPrime.userId }, data: { slackUserId: 'UGRIDPRIME' } });
  // The bot listens to case and advisory changes.
  await listening(app, 2);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await slack?.close();
});

async function psirt(user: string, text: string) {
  n += 1;
  const res = await postToBot(app, slashCommand(slack, { user, text, name: `n${n}` }));
  expect(res.status).toBe(200);
  return (await slack.response(`n${n}`)).text as string;
}

const posts = (channel: string) =>
  slack.calls
    .filter((c) => c.method === 'chat.postMessage' && c.body.channel === channel)
    .map((c) => c.body.text as string);

async function until(what: string, check: () => boolean, ms = 5000) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`case notifications in Slack (${dialect})`, () => {
  it('announces state and severity changes where subscribed; embargoed cases only in the private channel for them', async () => {
    expect(await psirt('UANALYST1', 'subscribe <#CPUBLIC01|general> product=gateway severity>=high')).toBe(
      '<#CPUBLIC01> will hear of case changes: products gateway, severity ≥ high, no embargoed cases.',
    );
    expect(await psirt('UANALYST1', 'subscribe <#CPUBLIC02|random> embargoed')).toContain(
      'Embargoed cases are announced only in a private channel set aside for them; this channel is public. (VALIDATION)',
    );
    expect(await psirt('UANALYST1', 'subscribe <#CPRIVEMB1|psirt-embargo> embargoed')).toBe(
      '<#CPRIVEMB1> will hear of case changes: every product, any severity, embargoed cases included.',
    );
    // Subscribing is the PSIRT's to do.
    expect(await psirt('UGRIDPRIME', 'subscribe <#CPUBLIC03|grid>')).toContain('(FORBIDDEN)');

    const { caseId } = await openCase(app, w, ['gateway']);
    await w.gridSpecialist.gql('mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }', {
      i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '<4.2.1' },
    });
    await w.gridSpecialist.gql('mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }', {
      i: {
        caseId,
        kind: 'AVSS',
        product: 'gateway',
        vector: 'CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        rationale: 'Plant network only.',
      },
    });
    const high = `*${caseId}* — Admin access without a password: analysis · severity HIGH 8.8`;
    await until('the HIGH announcement', () => posts('CPUBLIC01').includes(high));
    await until('the private channel too', () => posts('CPRIVEMB1').includes(high));

    // Under embargo: the move to remediation is told only in the private channel.
    await w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, embargoUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(), embargoTimeZone: 'UTC' },
    });
    await w.analyst.gql('mutation($c: String!) { transitionCase(caseId: $c, to: REMEDIATION) { id } }', { c: caseId });
    const embargoed = `*${caseId}* — Admin access without a password: remediation · severity HIGH 8.8 · under embargo`;
    await until('the embargoed announcement', () => posts('CPRIVEMB1').includes(embargoed));
    await new Promise((r) => setTimeout(r, 300));
    expect(posts('CPUBLIC01')).not.toContain(embargoed);
    expect(posts('CPUBLIC01').filter((t) => t.includes(caseId))).toEqual([high]);

    // A note changes neither state nor severity: nothing is announced.
    const before = slack.calls.length;
    await w.analyst.gql('mutation($c: String!) { addCaseNote(caseId: $c, text: "quiet") { id } }', { c: caseId });
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);

    // The reporter (confidential) is never named in Slack.
    for (const c of slack.calls) expect(JSON.stringify(c.body)).not.toContain('Rhea Reporter');
  });
});
