// Case notifications in Slack channels: /psirt subscribe sets a channel's
// filters (products, minimum severity); the bot, hearing case changes over
// its live subscription, announces changes of state or severity there —
// embargoed cases only in a private channel set aside for them, and never
// with a reporter's identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/db.ts';
import { type SlackWorld, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

let s: SlackWorld;

beforeAll(async () => {
  // The bot listens to case and advisory changes.
  s = await startSlackWorld({ links: { analyst: 'UANALYST1', gridPrime: 'UGRIDPRIME' }, botListeners: 2 });
});
afterAll(() => s?.[Symbol.asyncDispose]());

const psirt = async (user: string, text: string) => (await s.psirt(user, text)).text as string;

const posts = (channel: string) =>
  s.slack.calls
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

    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    await s.w.gridSpecialist.gql('mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { id } }', {
      i: { caseId, product: 'gateway', status: 'AFFECTED', affectedVersions: '<4.2.1' },
    });
    await s.w.gridSpecialist.gql('mutation($i: RecordScoreInput!) { recordScore(input: $i) { id } }', {
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
    await s.w.analyst.gql('mutation($i: UpdateCaseInput!) { updateCase(input: $i) { id } }', {
      i: { caseId, embargoUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(), embargoTimeZone: 'UTC' },
    });
    await s.w.analyst.gql('mutation($c: String!) { transitionCase(caseId: $c, to: REMEDIATION) { id } }', {
      c: caseId,
    });
    const embargoed = `*${caseId}* — Admin access without a password: remediation · severity HIGH 8.8 · under embargo`;
    await until('the embargoed announcement', () => posts('CPRIVEMB1').includes(embargoed));
    await new Promise((r) => setTimeout(r, 300));
    expect(posts('CPUBLIC01')).not.toContain(embargoed);
    expect(posts('CPUBLIC01').filter((t) => t.includes(caseId))).toEqual([high]);

    // A note changes neither state nor severity: nothing is announced.
    const before = s.slack.calls.length;
    await s.w.analyst.gql('mutation($c: String!) { addCaseNote(caseId: $c, text: "quiet") { id } }', { c: caseId });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);

    // The reporter (confidential) is never named in Slack.
    for (const c of s.slack.calls) expect(JSON.stringify(c.body)).not.toContain('Rhea Reporter');
  });
});
