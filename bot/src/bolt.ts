// Bolt's pieces as the bot uses them: its logger onto ours, the Socket Mode
// receiver pointed at another Slack API when asked.
import { LogLevel, type Logger as SlackLogger, SocketModeReceiver, webApi } from '@slack/bolt';
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
