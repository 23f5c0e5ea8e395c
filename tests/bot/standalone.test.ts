// The bot as its own process (`psirt bot`): a client of the API over the
// network with a chat-ops token, serving Slack on its own port.
import { spawn } from 'node:child_process';
import { issueUserToken } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { childEnv, psirt, psirtBin, repoRoot } from '../support/cli.ts';
import { dialect } from '../support/db.ts';
import { type FakeSlack, postToBot, SIGNING_SECRET, slashCommand, startFakeSlack } from '../support/slack.ts';
import { makeWorld, openCase, type World } from '../support/world.ts';

let app: TestApp;
let w: World;
let slack: FakeSlack;
let token: string;

beforeAll(async () => {
  slack = await startFakeSlack();
  app = await startTestApp({});
  w = await makeWorld(app);
  await app.db.prisma.user.update({ where: { id: w.analyst.userId }, data: { slackUserId: 'UANALYST1' } });
  const service = await app.db.prisma.user.create({
    data: { email: 'slack-bot@psirt.example', name: 'Slack bot', roles: ['CHAT_OPS'] },
  });
  token = (await issueUserToken(app.db.prisma, { userId: service.id, name: 'bot process' })).secret;
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
  await slack?.close();
});

describe(`psirt bot, on its own (${dialect})`, () => {
  it('serves Slack on its own port as a client of the API, and stops on SIGTERM', async () => {
    const { caseId } = await openCase(app, w, ['gateway']);
    const child = spawn(process.execPath, [psirtBin, 'bot', '--port', '0'], {
      cwd: repoRoot,
      env: childEnv({
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PSIRT_API_URL: app.url,
        PSIRT_CHAT_OPS_TOKEN: token,
        LOG_LEVEL: 'warn',
      }),
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`psirt bot did not start:\n${stderr}`)), 60_000);
        const check = () => {
          const m = /psirt Slack bot: (http:\/\/\S+\/slack\/events)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        };
        child.stderr.on('data', check);
      });
      const res = await postToBot(
        { origin: new URL(url).origin } as TestApp,
        slashCommand(slack, {
          user: 'UANALYST1',
          text: `note ${caseId} from the bot process`,
          name: 'standalone',
        }),
      );
      expect(res.status).toBe(200);
      expect((await slack.response('standalone', 1, 10_000)).text).toBe(`Noted on ${caseId}.`);
      const note = await app.db.prisma.timelineEvent.findFirst({
        where: { type: 'case.note', case: { publicId: caseId } },
      });
      expect(note).toMatchObject({ data: { text: 'from the bot process' }, actorId: w.analyst.userId });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('says which settings are missing', async () => {
    const res = await psirt(['bot'], { SLACK_BOT_TOKEN: 'xoxb-x' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('SLACK_SIGNING_SECRET');
    expect(res.stderr).toContain('PSIRT_API_URL');
    expect(res.stderr).toContain('PSIRT_CHAT_OPS_TOKEN');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
