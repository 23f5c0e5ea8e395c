// Case notifications in Slack channels: /psirt subscribe sets a channel's
// filters (products, minimum severity); the bot, hearing case changes over
// its live subscription, announces changes of state or severity there —
// embargoed cases only in a private channel set aside for them, and never
// with a reporter's identity. New third-party CVE matches go to the channels
// subscribed to their products, one message per import.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importNvdRecords, importSbom, matchInventory, recordsOf } from '@psirt/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../support/db.ts';
import { type SlackWorld, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

let s: SlackWorld;

beforeAll(async () => {
  // The bot listens to case and advisory changes, and to new third-party matches.
  s = await startSlackWorld({ links: { analyst: 'UANALYST1', gridPrime: 'UGRIDPRIME' }, botListeners: 3 });
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

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', name), 'utf8'),
  ) as unknown;

describe(`third-party matches in Slack (${dialect})`, () => {
  it('tells the channels subscribed to the products, known-exploited first, in one message per import', async () => {
    // The subscriptions of the test before: CPUBLIC01 the gateway at HIGH or more; CPRIVEMB1 everything.
    const db = s.app.db.prisma;
    await importSbom(db, 'gateway', '4.2.0', fixture('sbom/gateway-4.2.0.cdx.json'));
    await importSbom(db, 'rtu', '2.0', fixture('sbom/rtu-2.0.cdx.json'));
    const before = s.slack.calls.length;
    const imported = await importNvdRecords(db, recordsOf(fixture('nvd/page-1.json'), 'page-1.json'));
    await matchInventory(db, { vulnerabilityIds: imported.changed }, { live: s.app.live });
    const matchPosts = (channel: string) => posts(channel).filter((t) => t.includes('third-party CVE match'));
    await until('the matches in the private channel', () => matchPosts('CPRIVEMB1').length > 0);
    await until('the gateway channel', () => matchPosts('CPUBLIC01').length > 0);
    expect(matchPosts('CPRIVEMB1')).toEqual([
      [
        "*4 new third-party CVE matches* (2 known exploited) — to assess in the products' inventories",
        '• :rotating_light: *CVE-2023-44487* (known exploited) — gateway 4.2.0 · nginx 1.25.1 · supplier CVSS 7.5 HIGH',
        '• :rotating_light: *CVE-2023-44487* (known exploited) — rtu 2.0 · apache/httpd 2.4.57 · supplier CVSS 7.5 HIGH',
        '• *CVE-2023-0286* — gateway 4.2.0 · openssl 3.0.7 · supplier CVSS 7.4 HIGH',
        '• *CVE-2024-31497* — rtu 2.0 · putty 0.79',
      ].join('\n'),
    ]);
    // Only the gateway's, HIGH or more, in the gateway channel.
    expect(matchPosts('CPUBLIC01')).toEqual([
      [
        "*2 new third-party CVE matches* (1 known exploited) — to assess in the products' inventories",
        '• :rotating_light: *CVE-2023-44487* (known exploited) — gateway 4.2.0 · nginx 1.25.1 · supplier CVSS 7.5 HIGH',
        '• *CVE-2023-0286* — gateway 4.2.0 · openssl 3.0.7 · supplier CVSS 7.4 HIGH',
      ].join('\n'),
    ]);
    // Matching again finds nothing new: nothing more is said.
    await matchInventory(db, {}, { live: s.app.live });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(2);

    // One click opens one case for the CVE's matches in both products; the PSIRT's to do.
    const message = s.slack.calls.find(
      (c) => c.method === 'chat.postMessage' && c.body.channel === 'CPRIVEMB1' && String(c.body.text).includes('match'),
    );
    const blocks = (
      typeof message?.body.blocks === 'string' ? JSON.parse(message.body.blocks) : message?.body.blocks
    ) as {
      text?: { text: string };
      accessory?: { action_id: string; value: string };
    }[];
    const rapid = blocks.find((b) => b.text?.text.includes('CVE-2023-44487'))?.accessory;
    expect(rapid?.action_id).toBe('escalate:assessments');
    expect(rapid?.value.split(',')).toHaveLength(2);
    // Only the line's first mention of a CVE has the button.
    expect(blocks.filter((b) => b.accessory).length).toBe(3);
    const button = { actionId: 'escalate:assessments', value: rapid?.value ?? '', channel: 'CPRIVEMB1', ts: '1.0' };
    const refused = await s.click('UGRIDPRIME', button);
    expect((await s.slack.response(refused)).text).toContain('(FORBIDDEN)');
    const opened = await s.click('UANALYST1', button);
    const answer = (await s.slack.response(opened)).text as string;
    const publicId = /^Opened (VAR-\S+) for 2 matches\.$/.exec(answer)?.[1];
    expect(publicId, answer).toBeDefined();
    await until('the case announced', () =>
      posts('CPRIVEMB1').includes(`<@UANALYST1> opened *${publicId}* — Third-party: CVE-2023-44487 (gateway, rtu).`),
    );
    // A second click (or Slack's retry) opens nothing more: the same case.
    expect((await s.slack.response(await s.click('UANALYST1', button))).text).toBe(`Opened ${publicId} for 2 matches.`);
    expect(await db.analysisCase.count({ where: { title: 'Third-party: CVE-2023-44487' } })).toBe(1);
  });
});
