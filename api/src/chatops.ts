// Slack chat-ops inside the API process: the bot (bot/) with its plugins,
// talking to this API in-process as the chat-ops service account.
import { type Bot, createBot } from '@psirt/bot';
import { type Db, issueUserToken } from '@psirt/db';
import corePlugin from '@psirt/plugin-core';
import type { Plugin } from '@psirt/plugin-sdk';
import type { Logger } from './logger.ts';

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
 * The service account the in-process bot acts through (role CHAT_OPS: it may
 * only act for linked Slack users). Each start issues a fresh token, kept in
 * memory, and revokes the previous ones.
 */
async function serviceToken(db: Db): Promise<string> {
  const user = await db.user.upsert({
    where: { email: SERVICE_EMAIL },
    create: { email: SERVICE_EMAIL, name: 'Slack bot', roles: ['CHAT_OPS'] },
    update: { roles: ['CHAT_OPS'], disabledAt: null },
  });
  await db.apiToken.updateMany({
    where: { userId: user.id, name: TOKEN_NAME, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return (await issueUserToken(db, { userId: user.id, name: TOKEN_NAME })).secret;
}

export async function startChatOps(o: {
  db: Db;
  log: Logger;
  botToken: string;
  signingSecret: string;
  appToken?: string;
  slackApiUrl?: string;
  plugins: readonly string[];
  channels: { committee?: string };
  fetch: typeof fetch;
}): Promise<Bot> {
  const plugins = await loadPlugins(o.plugins);
  const bot = createBot({
    signingSecret: o.signingSecret,
    botToken: o.botToken,
    appToken: o.appToken,
    slackApiUrl: o.slackApiUrl,
    api: { url: 'http://in-process/graphql', token: await serviceToken(o.db), fetch: o.fetch },
    plugins,
    channels: o.channels,
    log: o.log,
  });
  await bot.start();
  o.log.info(
    { commands: [...bot.commands.keys()], plugins: plugins.map((p) => p.name) },
    bot.socketMode ? 'chat-ops is on: Socket Mode' : 'chat-ops is on: POST /slack/events',
  );
  return bot;
}
