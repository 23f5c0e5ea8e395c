// Bolt's pieces as the bot uses them: its logger onto ours, the Socket Mode
// receiver pointed at another Slack API when asked, and the HTTP receiver
// that answers Slack before Bolt runs anything.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type App,
  HTTPModuleFunctions,
  LogLevel,
  type Receiver,
  type Logger as SlackLogger,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { BotLogger } from './index.ts';

/** Bolt's logger, onto ours. */
export function slackLogger(log: BotLogger): SlackLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...m) => log.debug({ slack: m.map(String).join(' ') }),
    info: (...m) => log.info({ slack: m.map(String).join(' ') }),
    warn: (...m) => log.warn({ slack: m.map(String).join(' ') }),
    error: (...m) => log.error({ slack: m.map(String).join(' ') }),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Bolt's Socket Mode receiver. Bolt does not pass Web API options to it, so
 * with another Slack API base URL (the tests' fake Slack) its client for
 * apps.connections.open is replaced by one that uses it.
 */
export function socketModeReceiver(appToken: string, slackApiUrl: string | undefined, logger: SlackLogger) {
  const receiver = new SocketModeReceiver({ appToken, logger });
  if (slackApiUrl) {
    (receiver.client as unknown as { webClient: unknown }).webClient = new webApi.WebClient('', {
      slackApiUrl,
      headers: { Authorization: `Bearer ${appToken}` },
      retryConfig: { retries: 0 },
    });
  }
  return receiver;
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * HTTP mode's receiver. Bolt's own (HTTPReceiver) answers when a listener
 * calls ack(), after its middleware and a second signature check — each an
 * await behind the work of the commands before it, so under fifty concurrent
 * commands acks took a quarter of a second. Every command and button of this
 * bot acks empty and first, so this receiver answers 200 as soon as the
 * request is verified and claimed (replay.ts, which calls `handle`), then lets
 * Bolt run it with an ack that has nothing left to send. Slack's URL
 * verification is answered with its challenge, as Bolt would.
 */
export class AnsweringReceiver implements Receiver {
  private app: App | undefined;
  constructor(private readonly log: BotLogger) {}

  init(app: App) {
    this.app = app;
  }
  async start() {}
  async stop() {}

  /** A verified, first-seen request whose body has been read. */
  handle(req: IncomingMessage & { rawBody: Buffer }, res: ServerResponse) {
    let body: Record<string, unknown>;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(req);
    } catch {
      return HTTPModuleFunctions.buildNoBodyResponse(res, 400);
    }
    if (body.type === 'url_verification') return HTTPModuleFunctions.buildUrlVerificationResponse(res, body);
    HTTPModuleFunctions.buildNoBodyResponse(res, 200);
    this.app
      ?.processEvent({
        body,
        ack: async () => {},
        retryNum: HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req),
        retryReason: HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req),
        customProperties: {},
      })
      .catch((error) => this.log.error({ err: error }, 'Slack request failed after its ack'));
  }
}
