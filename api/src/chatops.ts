// Slack chat-ops inside the API process: the bot (bot/) with its plugins,
// talking to this API in-process as the chat-ops service account.
import { type Bot, createBot } from '@psirt/bot';
import { type Db, issueUserToken } from '@psirt/db';
import corePlugin from '@psirt/plugin-core';
import type { Plugin } from '@psirt/plugin-sdk';
import type { Logger } from './logger.ts';
import { databaseReplayStore, embeddedReplayStore } from './services/slack-deliveries.ts';

const SERVICE_EMAIL = 'chat-ops@psirt.local';
const TOKEN_NAME = 'slack bot (in-process)';

/** The built-in plugins, then those named in PSIRT_PLUGINS (package names, default export a plugin). */
export async function loadPlugins(names: readonly string[]): Promise<Plugin[]> {
  const plugins: Plugin[] = [corePlugin];
  for (const name of names) {
    let mod: { default?: Plugin };
    try {
      mod = (await import(name)) as { default?: Plugin };
    } catch (error) {
      throw new Error(`PSIRT_PLUGINS: cannot load "${name}": ${(error as Error).message}`);
    }
    if (!mod.default?.name) throw new Error(`PSIRT_PLUGINS: "${name}" has no default export made with definePlugin`);
    plugins.push(mod.default);
  }
  return plugins;
}

/**
 * The service account the in-process bot acts through (role CHAT_OPS: on its
 * own it reads, and acts only for linked Slack users). Each instance issues
 * itself a fresh token at start, kept in memory, and revokes it when it stops;
 * it never revokes another instance's (several API instances share one
 * database, each with its bot).
 */
async function serviceToken(db: Db): Promise<{ secret: string; revoke(): Promise<void> }> {
  const user = await db.user.upsert({
    where: { email: SERVICE_EMAIL },
    create: { email: SERVICE_EMAIL, name: 'Slack bot', roles: ['CHAT_OPS'] },
    update: { roles: ['CHAT_OPS'], disabledAt: null },
  });
  const token = await issueUserToken(db, { userId: user.id, name: TOKEN_NAME });
  return {
    secret: token.secret,
    revoke: async () => {
      await db.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date() } });
    },
  };
}

export async function startChatOps(o: {
  db: Db;
  log: Logger;
  botToken: string;
  signingSecret: string;
  appToken?: string;
  slackApiUrl?: string;
  plugins: readonly string[];
  channels: { committee?: string; psirt?: string };
  fetch: typeof fetch;
  /** The database is the embedded one (PGlite), which no other process opens. */
  embedded: boolean;
}): Promise<Bot> {
  const plugins = await loadPlugins(o.plugins);
  const token = await serviceToken(o.db);
  const bot = createBot({
    signingSecret: o.signingSecret,
    botToken: o.botToken,
    appToken: o.appToken,
    slackApiUrl: o.slackApiUrl,
    api: { url: 'http://in-process/graphql', token: token.secret, fetch: o.fetch },
    plugins,
    channels: o.channels,
    log: o.log,
    // On the embedded database this process is the only one: claims are decided in memory.
    replay: o.embedded ? await embeddedReplayStore(o.db, o.log) : databaseReplayStore(o.db),
  });
  await bot.start();
  o.log.info(
    { commands: [...bot.commands.keys()], plugins: plugins.map((p) => p.name) },
    bot.socketMode ? 'chat-ops is on: Socket Mode' : 'chat-ops is on: POST /slack/events',
  );
  return {
    ...bot,
    async stop() {
      await bot.stop();
      await token.revoke().catch((error) => o.log.warn({ err: error }, 'could not revoke the bot’s token'));
    },
  };
}
