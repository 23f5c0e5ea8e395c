// The psirt Slack app (Bolt, HTTP mode), a client of the GraphQL API. Every
// slash command and button is answered with ack() at once (Slack allows 3 s),
// then worked through the API as the PSIRT user linked to the Slack user —
// so the API's authorization, audit and workflow rules apply unchanged.
// Commands and actions come from plugins (`@psirt/plugin-sdk`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Action,
  ApiError,
  type Channels,
  type Command,
  type CommandContext,
  type LiveEvent,
  type Plugin,
  type Reply,
  UsageError,
  words,
} from '@psirt/plugin-sdk';
import { App, SocketModeReceiver } from '@slack/bolt';
import type { Client as WsClient } from 'graphql-ws';
import pLimit from 'p-limit';
import { apiClient, asReply, explain } from './api.ts';
import { AnsweringReceiver, escapeRegExp, slackLogger, socketModeReceiver } from './bolt.ts';
import { subscribeLive } from './live.ts';
import { guardSlackRequests, memoryReplayStore, type ReplayStore } from './replay.ts';

export { apiClient, explain } from './api.ts';
export { memoryReplayStore, type ReplayStore } from './replay.ts';

export interface BotLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface BotOptions {
  /** Slack channel ids the plugins post to (the committee's, …). */
  channels?: Channels;
  /** SLACK_SIGNING_SECRET: every request's signature is checked with it (and its age: 5 minutes). */
  signingSecret: string;
  /** SLACK_BOT_TOKEN (xoxb-…): for the Web API calls. */
  botToken: string;
  /** SLACK_APP_TOKEN (xapp-…): Socket Mode instead of HTTP. */
  appToken?: string;
  /** The GraphQL API: its URL and the chat-ops service token (role CHAT_OPS); `fetch` to reach it in-process. */
  api: { url: string; token: string; fetch?: typeof fetch };
  plugins: readonly Plugin[];
  /** Slack's Web API base URL (tests point it at a local fake). */
  slackApiUrl?: string;
  /**
   * Where signatures, events and interactions already received are kept, so a
   * replay or a retry runs nothing twice: shared between instances (the API's
   * database, Redis); one process's memory by default.
   */
  replay?: ReplayStore;
  /**
   * Commands and actions worked on at once (default 4); the rest wait their
   * turn. Their acknowledgements never wait: Slack gets its 200 at once, and
   * fifty commands' work does not stand between the fifty-first and its ack.
   */
  workConcurrency?: number;
  log: BotLogger;
}

export interface Bot {
  /** Handles POST /slack/events (slash commands, interactivity, events). */
  requestListener(req: IncomingMessage, res: ServerResponse): void;
  /** The registered commands, by name (help included). */
  commands: ReadonlyMap<string, Command>;
  /** Socket Mode (an app-level token was given): Slack is reached over a WebSocket the bot opens. */
  socketMode: boolean;
  /** Connects to Slack in Socket Mode (nothing to do in HTTP mode). */
  start(): Promise<void>;
  /**
   * Subscribes, as the bot, to the API's live updates over graphql-ws and hands
   * each event to the plugins' reactions. Resolves once subscribed.
   */
  startLive(wsUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export const SLACK_EVENTS_PATH = '/slack/events';

export function createBot(options: BotOptions): Bot {
  const { log } = options;
  // The work after an ack, queued: on a busy bot, each command's API calls would otherwise
  // queue ahead of the next request's checks (the replay store, the signature) and its ack.
  const work = pLimit(options.workConcurrency ?? 4);
  const commands = new Map<string, Command>();
  const actions: Action[] = [];
  for (const plugin of options.plugins) {
    for (const c of plugin.commands ?? []) {
      if (commands.has(c.name) || c.name === 'help') {
        throw new Error(`plugin ${plugin.name}: the command "${c.name}" is already taken`);
      }
      commands.set(c.name, c);
    }
    actions.push(...(plugin.actions ?? []));
  }
  const help: Command = {
    name: 'help',
    usage: '',
    description: 'This list.',
    async run(ctx) {
      const lines = [...commands.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => `• \`/psirt ${c.name}${c.usage ? ` ${c.usage}` : ''}\` — ${c.description}`);
      await ctx.respond(`*psirt commands*\n${lines.join('\n')}`);
    },
  };
  commands.set('help', help);

  // HTTP mode (Slack posts to /slack/events, signed), or Socket Mode with an
  // app-level token (the bot opens a WebSocket to Slack; nothing to expose).
  const receiver = options.appToken
    ? socketModeReceiver(options.appToken, options.slackApiUrl, slackLogger(log))
    : new AnsweringReceiver(log);
  const app = new App({
    token: options.botToken,
    receiver,
    // The bot's own identity is not needed to answer commands: no auth.test per request.
    tokenVerificationEnabled: false,
    logger: slackLogger(log),
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });

  const post = async (channel: string, r: Reply) => {
    const res = await app.client.chat.postMessage({ channel, text: r.text, blocks: r.blocks as never });
    return { ts: String(res.ts) };
  };

  app.command('/psirt', async ({ command, ack, respond }) => {
    await ack();
    // Slack escapes &, < and > in what users type (mentions arrive as <@U…|name>).
    const text = command.text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
    const [name = 'help'] = words(text);
    const cmd = commands.get(name.toLowerCase());
    const rest = text.slice(text.indexOf(name) + name.length).trim();
    const reply = (r: string | Reply, o?: { inChannel?: boolean }) =>
      respond({ ...asReply(r), response_type: o?.inChannel ? 'in_channel' : 'ephemeral' }).then(() => {});
    if (!cmd) {
      await reply(`There is no \`/psirt ${name}\`. Try \`/psirt help\`.`);
      return;
    }
    const ctx: CommandContext = {
      args: words(rest),
      rest,
      slack: { userId: command.user_id, channelId: command.channel_id, teamId: command.team_id },
      api: apiClient(options.api, command.user_id),
      respond: reply,
      conversation,
    };
    try {
      await work(() => cmd.run(ctx));
    } catch (error) {
      if (!(error instanceof UsageError) && !(error instanceof ApiError)) {
        log.error({ err: error, command: cmd.name }, 'chat-ops command failed');
      }
      await reply(explain(error, `/psirt ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ''}`)).catch((e) =>
        log.warn({ err: e }, 'could not answer in Slack'),
      );
    }
  });

  for (const action of actions) {
    const matcher = action.actionId.endsWith(':') ? new RegExp(`^${escapeRegExp(action.actionId)}`) : action.actionId;
    app.action(matcher, async ({ ack, body, action: a, respond, client }) => {
      await ack();
      const button = a as { action_id: string; value?: string };
      const b = body as {
        user: { id: string };
        channel?: { id: string };
        message?: { ts: string };
        container?: { channel_id?: string; message_ts?: string };
      };
      const channelId = b.channel?.id ?? b.container?.channel_id;
      const messageTs = b.message?.ts ?? b.container?.message_ts;
      try {
        await work(() =>
          action.run({
            post,
            actionId: button.action_id,
            value: button.value ?? '',
            slack: { userId: b.user.id, channelId, messageTs },
            api: apiClient(options.api, b.user.id),
            respond: (r) =>
              respond({ ...asReply(r), response_type: 'ephemeral', replace_original: false }).then(() => {}),
            update: async (r) => {
              if (!channelId || !messageTs) return;
              await client.chat.update({ channel: channelId, ts: messageTs, text: r.text, blocks: r.blocks as never });
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof UsageError) && !(error instanceof ApiError)) {
          log.error({ err: error, action: button.action_id }, 'chat-ops action failed');
        }
        await respond({ text: explain(error), response_type: 'ephemeral', replace_original: false }).catch(() => {});
      }
    });
  }

  app.error(async (error) => {
    log.error({ err: error }, 'Slack app error');
  });

  const reactions = options.plugins.flatMap((p) => p.reactions ?? []);
  async function conversation(channel: string) {
    const info = await app.client.conversations.info({ channel });
    const c = info.channel as { id?: string; name?: string; is_private?: boolean } | undefined;
    return { id: c?.id ?? channel, name: c?.name ?? channel, private: c?.is_private === true };
  }
  const botApi = apiClient(options.api);
  let live: WsClient | undefined;

  async function react(event: LiveEvent) {
    for (const reaction of reactions.filter((r) => r.on === event.kind)) {
      try {
        await reaction.run(event, { api: botApi, post, conversation, channels: options.channels ?? {} });
      } catch (error) {
        log.error(
          { err: error, event: event.kind, id: 'publicId' in event ? event.publicId : undefined },
          'chat-ops reaction failed',
        );
      }
    }
  }

  const guarded = guardSlackRequests({
    signingSecret: options.signingSecret,
    store: options.replay ?? memoryReplayStore(),
    log,
    next: (req, res) => (receiver as AnsweringReceiver).handle(req, res),
  });
  return {
    requestListener: (req, res) => {
      if (receiver instanceof AnsweringReceiver) {
        guarded(req, res).catch((error) => {
          log.error({ err: error }, 'Slack request failed');
          if (!res.headersSent) res.writeHead(500).end();
        });
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"The Slack bot runs in Socket Mode: Slack does not post here."}');
    },
    socketMode: options.appToken !== undefined,
    commands,
    async start() {
      if (receiver instanceof SocketModeReceiver) await receiver.start();
    },
    async startLive(wsUrl) {
      if (!reactions.length) return;
      const feed = subscribeLive({ wsUrl, token: options.api.token, reactions, react, log });
      live = feed.client;
      await feed.subscribed;
    },
    async stop() {
      await live?.dispose();
      if (receiver instanceof SocketModeReceiver) await receiver.stop();
    },
  };
}
