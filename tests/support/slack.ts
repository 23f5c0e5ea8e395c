// Slack for tests: a local fake of the Web API (and of response_url) that
// records every call, and correctly (or wrongly) signed requests to the bot.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { listening } from './live.ts';
import { makeWorld, type World } from './world.ts';

export interface SlackCall {
  method: string;
  body: Record<string, any>;
}

export interface FakeSlack {
  /** For the bot's clientOptions.slackApiUrl. */
  apiUrl: string;
  /** A response_url of our own, by name. */
  responseUrl(name: string): string;
  /** Web API calls (chat.postMessage, chat.update, chat.postEphemeral, views.open…), in order. */
  calls: SlackCall[];
  /** Posts to response URLs, by name, in order. */
  responses: Map<string, Record<string, any>[]>;
  /** A Socket Mode connection is open. */
  socketConnected(): boolean;
  /** Sends an envelope over Socket Mode; resolves with the app's ack (waiting up to `ms`). */
  envelope(type: string, payload: Record<string, unknown>, ms?: number): Promise<Record<string, any>>;
  /** Resolves with the n-th post to a response URL (1-based), waiting up to `ms`. */
  response(name: string, n?: number, ms?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('json')) return text ? JSON.parse(text) : {};
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    try {
      out[k] = k === 'blocks' || k === 'attachments' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const responses = new Map<string, Record<string, any>[]>();
  let ts = 1_700_000_000;
  const server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const path = req.url ?? '/';
    res.setHeader('content-type', 'application/json');
    if (path.startsWith('/api/')) {
      const method = path.slice('/api/'.length).split('?')[0] as string;
      calls.push({ method, body });
      ts += 1;
      // Channels whose id starts with G or CPRIV are private ones.
      const channel = String(body.channel ?? '');
      const extra =
        method === 'auth.test'
          ? { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0001', user: 'psirt' }
          : method === 'apps.connections.open'
            ? { url: `${base.replace(/^http/, 'ws')}/socket` }
            : method === 'conversations.info'
              ? { channel: { id: channel, name: channel.toLowerCase(), is_private: /^(G|CPRIV)/.test(channel) } }
              : {};
      res.end(JSON.stringify({ ok: true, channel: body.channel ?? 'C0001', ts: `${ts}.000100`, ...extra }));
      return;
    }
    if (path.startsWith('/response/')) {
      const name = path.slice('/response/'.length);
      responses.set(name, [...(responses.get(name) ?? []), body]);
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
  });
  // Socket Mode: the app opens a WebSocket here (the URL apps.connections.open gave it).
  const wss = new WebSocketServer({ server, path: '/socket' });
  let socket: WebSocket | undefined;
  const acks = new Map<string, (m: Record<string, any>) => void>();
  wss.on('connection', (ws) => {
    socket = ws;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { envelope_id?: string };
      if (m.envelope_id) acks.get(m.envelope_id)?.(m);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0001' } }));
  });
  let envelopes = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api/`,
    responseUrl: (name) => `${base}/response/${name}`,
    calls,
    responses,
    async response(name, n = 1, ms = 5000) {
      const started = Date.now();
      for (;;) {
        const got = responses.get(name)?.[n - 1];
        if (got) return got;
        if (Date.now() - started > ms) throw new Error(`no response #${n} to ${name} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    socketConnected: () => socket !== undefined,
    envelope(type, payload, ms = 3000) {
      envelopes += 1;
      const id = `env-${envelopes}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack of ${id} within ${ms} ms`)), ms);
        acks.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        if (!socket) return reject(new Error('no Socket Mode connection'));
        socket.send(JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: true }));
      });
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** POSTs a body to the bot the way Slack does: signed, timestamped (or with what `tamper` says). */
export async function postToBot(
  app: TestApp,
  body: string,
  options: {
    contentType?: string;
    secret?: string;
    age?: number;
    signature?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const timestamp = Math.floor(Date.now() / 1000) - (options.age ?? 0);
  const signature =
    options.signature ??
    `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex')}`;
  const res = await fetch(`${app.origin}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      ...options.headers,
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

let triggers = 0;

/** A `/psirt …` slash command from a Slack user; its answers go to `fake.responseUrl(name)`. */
export function slashCommand(
  fake: FakeSlack,
  o: { user: string; text: string; name: string; channel?: string },
): string {
  triggers += 1;
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: o.channel ?? 'C0001',
    channel_name: 'psirt',
    user_id: o.user,
    user_name: o.user.toLowerCase(),
    command: '/psirt',
    text: o.text,
    api_app_id: 'A0001',
    response_url: fake.responseUrl(o.name),
    trigger_id: `trigger.${triggers}`,
  }).toString();
}

export interface SlackWorld {
  app: TestApp;
  w: World;
  slack: FakeSlack;
  /** `/psirt <text>` typed by a Slack user: acknowledged with 200, resolves with the (first) answer. */
  psirt(user: string, text: string): Promise<Record<string, any>>;
  /**
   * A signed block_actions payload: `user` clicked the button `actionId` (with
   * `value`) on the message `ts` in `channel`. Acknowledged with 200; resolves
   * with the name of its response URL (for `slack.response`).
   */
  click(
    user: string,
    button: { actionId: string; value: string; channel: string; ts: string },
    headers?: Record<string, string>,
  ): Promise<string>;
  [Symbol.asyncDispose](): Promise<void>;
}

let commands = 0;
let clicks = 0;

/**
 * An API with chat-ops on, pointed at a fresh fake Slack, with the test world
 * and these staff users linked to Slack ids; waits until the bot's own live
 * subscriptions (`botListeners`) are in place.
 */
export async function startSlackWorld(
  o: {
    links?: Partial<Record<keyof World, string>>;
    slack?: Partial<NonNullable<TestAppOptions['slack']>>;
    app?: TestAppOptions;
    botListeners?: number;
  } = {},
): Promise<SlackWorld> {
  const slack = await startFakeSlack();
  const app = await startTestApp({
    ...o.app,
    slack: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, slackApiUrl: slack.apiUrl, ...o.slack },
  });
  const w = await makeWorld(app);
  for (const [who, slackUserId] of Object.entries(o.links ?? {})) {
    await app.db.prisma.user.update({ where: { id: w[who as keyof World].userId }, data: { slackUserId } });
  }
  if (o.botListeners) await listening(app, o.botListeners);
  return {
    app,
    w,
    slack,
    async psirt(user, text) {
      commands += 1;
      const name = `cmd${commands}`;
      const res = await postToBot(app, slashCommand(slack, { user, text, name }));
      if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
      return slack.response(name);
    },
    async click(user, button, headers = {}) {
      clicks += 1;
      const name = `click${clicks}`;
      const payload = {
        type: 'block_actions',
        user: { id: user, team_id: 'T0001' },
        team: { id: 'T0001', domain: 'example' },
        api_app_id: 'A0001',
        token: 'deprecated-verification-token',
        trigger_id: `trigger.click.${clicks}`,
        container: { type: 'message', message_ts: button.ts, channel_id: button.channel, is_ephemeral: false },
        channel: { id: button.channel, name: button.channel.toLowerCase() },
        message: { type: 'message', ts: button.ts, text: 'a message with buttons' },
        response_url: slack.responseUrl(name),
        actions: [
          {
            type: 'button',
            action_id: button.actionId,
            block_id: 'b',
            value: button.value,
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
      const res = await postToBot(app, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
        headers,
      });
      if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
      return name;
    },
    async [Symbol.asyncDispose]() {
      await app[Symbol.asyncDispose]();
      await slack.close();
    },
  };
}
