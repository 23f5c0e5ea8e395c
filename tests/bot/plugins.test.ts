// The plugin contract from the outside: a plugin written like a third party's
// (tests/support/hello-plugin.ts), loaded through PSIRT_PLUGINS, registers a
// command that shows in /psirt help and runs as the linked user, and receives
// live events. And the Slack app manifest we ship matches what the bot serves.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dialect } from '../support/db.ts';
import { gate, heard } from '../support/hello-plugin.ts';
import { postToBot, type SlackWorld, slashCommand, startSlackWorld } from '../support/slack.ts';
import { openCase } from '../support/world.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
let s: SlackWorld;

beforeAll(async () => {
  s = await startSlackWorld({
    slack: { plugins: [pathToFileURL(path.join(here, '../support/hello-plugin.ts')).href] },
    links: { gridPrime: 'UGRIDPRIME', outsider: 'UOUTSIDER' },
    botListeners: 1,
  });
});
afterAll(() => s?.[Symbol.asyncDispose]());

const psirt = async (user: string, text: string) => (await s.psirt(user, text)).text as string;

describe(`chat-ops plugins (${dialect})`, () => {
  it('registers a plugin’s command, lists it in help, and runs it as the linked user', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    expect(await psirt('UGRIDPRIME', 'help')).toContain('`/psirt hello <VAR>` — Greets a case by its title.');
    expect(await psirt('UGRIDPRIME', `hello ${caseId}`)).toBe('Hello, Admin access without a password!');
    expect(await psirt('UOUTSIDER', `hello ${caseId}`)).toBe(`No case ${caseId}, or not one you may see.`);
    expect(await psirt('UGRIDPRIME', 'hello')).toBe('which case?\nUsage: /psirt hello <VAR>');
  });

  it('acknowledges every command at once, and works on at most four at a time', async () => {
    gate.close();
    const names = Array.from({ length: 10 }, (_, i) => `wait${i}`);
    const acks = await Promise.all(
      names.map((name) => postToBot(s.app, slashCommand(s.slack, { user: 'UGRIDPRIME', text: 'wait', name }))),
    );
    // All ten answered 200 while none of their work could finish.
    expect(acks.map((a) => a.status)).toEqual(names.map(() => 200));
    // The work starts after the ack: wait until four are running (not before: opening the gate
    // early let them run one after another, and this test failed once on a loaded machine).
    const started = Date.now();
    while (gate.running < 4 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(gate.running).toBe(4);
    gate.open();
    for (const name of names) expect((await s.slack.response(name)).text).toBe('done');
    expect(gate.most).toBe(4);
  });

  it('hands live events to a plugin’s reactions', async () => {
    const { caseId } = await openCase(s.app, s.w, ['gateway']);
    const res = await s.w.analyst.gql(
      'mutation($c: [String!]!) { createAdvisory(cases: $c, title: "Plugin sees this") { publicId } }',
      { c: [caseId] },
    );
    const sa = res.data?.createAdvisory.publicId as string;
    const started = Date.now();
    while (!heard.some((e) => e.publicId === sa) && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(heard).toContainEqual({ type: 'ADVISORY_CREATED', publicId: sa });
  });
});

describe('the Slack app manifest', () => {
  it('points the slash command and interactivity at /slack/events and asks only for the scopes used', () => {
    const manifest = parse(readFileSync(path.join(here, '../../bot/manifest.yml'), 'utf8'));
    const [command] = manifest.features.slash_commands;
    expect(command.command).toBe('/psirt');
    expect(new URL(command.url).pathname).toBe('/slack/events');
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe('/slack/events');
    expect(manifest.oauth_config.scopes.bot).toEqual(['commands', 'chat:write', 'channels:read', 'groups:read']);
  });
});
