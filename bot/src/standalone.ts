// The bot as its own process: an HTTP server for Slack (POST /slack/events,
// GET /healthz) in front of createBot, talking to the API over the network
// with a chat-ops token, and subscribed to its live updates over graphql-ws.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plugin } from '@psirt/plugin-sdk';
import { type BotLogger, createBot, SLACK_EVENTS_PATH } from './index.ts';
import { redisReplayStore } from './replay.ts';

export interface StandaloneOptions {
  port: number;
  host: string;
  signingSecret: string;
  botToken: string;
  /** Socket Mode instead of HTTP. */
  appToken?: string;
  /** The API's GraphQL URL (http(s)://…/graphql) and a token of a CHAT_OPS user. */
  apiUrl: string;
  apiToken: string;
  plugins: readonly Plugin[];
  channels: { committee?: string; psirt?: string };
  slackApiUrl?: string;
  /** Redis shared by several bot instances: a replay to any of them is refused (else this process's memory). */
  redisUrl?: string;
  log: BotLogger;
}

export interface RunningBot {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export async function startStandaloneBot(o: StandaloneOptions): Promise<RunningBot> {
  const replay = o.redisUrl ? redisReplayStore(o.redisUrl) : undefined;
  const bot = createBot({
    replay,
    signingSecret: o.signingSecret,
    botToken: o.botToken,
    appToken: o.appToken,
    api: { url: o.apiUrl, token: o.apiToken },
    plugins: o.plugins,
    channels: o.channels,
    slackApiUrl: o.slackApiUrl,
    log: o.log,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === SLACK_EVENTS_PATH) return bot.requestListener(req, res);
    res.writeHead(path === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(path === '/healthz' ? { status: 'ok' } : { error: 'Not found.' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  await bot.start();
  await bot.startLive(o.apiUrl.replace(/^http/, 'ws'));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host === '0.0.0.0' ? 'localhost' : o.host}:${port}${SLACK_EVENTS_PATH}`,
    server,
    async stop() {
      await bot.stop();
      await replay?.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
