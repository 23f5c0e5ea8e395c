// `psirt start` and `psirt bot`: the long-running processes. Only ever run in
// the `psirt` process itself, never on a server's behalf.
import { hostname } from 'node:os';
import path from 'node:path';
import { DataDirBusy, LOCK_FILE } from '@psirt/db';
import type { Command } from 'commander';
import { type ApiConfig, botConfigFromEnv, configFromEnv } from '../../config.ts';
import { createLogger, type Logger } from '../../logger.ts';
import { parsePort } from './args.ts';

export function serveCommands(program: Command) {
  program
    .command('start')
    .description(
      'Migrate the database, load demo data into an empty one (unless PSIRT_DEMO=0) and serve the API. On the embedded database it is the one process that opens the data directory; other psirt commands are carried out by it.',
    )
    .option('-p, --port <port>', 'port to listen on (env PORT, default 4000)', parsePort)
    .option('--host <host>', 'interface to bind (env HOST, default 127.0.0.1)')
    .option('--no-demo', 'do not load or print demo data (env PSIRT_DEMO=0)')
    .action(async (opts: { port?: number; host?: string; demo: boolean }) => {
      const config: ApiConfig = {
        ...configFromEnv(),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host ? { host: opts.host } : {}),
      };
      if (!opts.demo) config.demo = false;
      const log = createLogger(config.logLevel);
      // Signals count from the first moment: one during start-up stops the server once it is up.
      const signals = stopOnSignals(log);
      const { banner, startPlatform } = await import('../../main.ts');
      let platform: Awaited<ReturnType<typeof startPlatform>>;
      try {
        platform = await startPlatform(config, log);
      } catch (error) {
        if (error instanceof DataDirBusy) throw new DataDirBusy(error.dir, error.holder, advice(error));
        throw error;
      }
      process.stderr.write(banner(platform, config.database));
      signals.ready(() => platform.stop());
    });

  program
    .command('bot')
    .description(
      'Run the Slack bot as its own process, a client of the API at PSIRT_API_URL with the chat-ops token PSIRT_CHAT_OPS_TOKEN. Needs SLACK_BOT_TOKEN, and either SLACK_SIGNING_SECRET (HTTP mode: Slack posts to POST /slack/events on this port) or SLACK_APP_TOKEN (Socket Mode: the bot connects to Slack, no public URL needed). With REDIS_URL, several bot instances refuse a replayed Slack request together.',
    )
    .option('-p, --port <port>', 'port to listen on, HTTP mode (default: PORT or 3000)', parsePort)
    .option('--host <host>', 'interface to bind, HTTP mode (default: HOST or 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      const env = botConfigFromEnv(process.env);
      const log = createLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');
      const { startStandaloneBot } = await import('@psirt/bot/standalone');
      const { loadPlugins } = await import('../../chatops.ts');
      const running = await startStandaloneBot({
        ...env,
        port: opts.port ?? env.port,
        host: opts.host ?? env.host,
        plugins: await loadPlugins(env.plugins),
        log,
      });
      log.info({ url: running.url, mode: env.appToken ? 'socket' : 'http' }, 'psirt Slack bot listening');
      process.stderr.write(
        `\n  psirt Slack bot: ${env.appToken ? 'Socket Mode (connected to Slack)' : running.url}  (API: ${env.apiUrl})\n  Stop with Ctrl-C.\n\n`,
      );
      stopOnSignals(log).ready(() => running.stop());
    });
}

/** What to do when the data directory is taken. */
function advice(busy: DataDirBusy): string {
  const { holder } = busy;
  // A lock from another host cannot be checked from here (a shared volume, a replaced container).
  const elsewhere =
    holder.host !== hostname()
      ? [
          `  It was taken on host ${holder.host}, which this one cannot check: if no psirt runs there any more (a replaced container, say), remove ${path.join(busy.dir, LOCK_FILE)} and start again.`,
        ]
      : [];
  return [
    busy.message,
    ...elsewhere,
    holder.kind === 'server'
      ? `  It is already running${holder.url ? ` at ${holder.url}` : ''}: use that one (other psirt commands are carried out by it), or stop it first (kill ${holder.pid}).`
      : `  Wait for it to finish, or stop it (kill ${holder.pid}).`,
    '  To run a second instance, give it its own data directory (PSIRT_DATA_DIR=…) or share a PostgreSQL database (DATABASE_URL=…).',
  ].join('\n');
}

/**
 * SIGTERM, SIGINT and SIGHUP drain and stop; a second signal exits at once. A
 * server started under scripts/bootstrap.mjs (`npm start`, or the tests under
 * `npm test`) also stops when that process is gone (PSIRT_EXIT_WITH_PARENT
 * holds its pid): npm's shell does not pass signals on, and nothing may keep
 * the port or the database after. Installed before start-up, so a signal
 * during it is kept and acted on once the server is up (`ready`).
 */
export function stopOnSignals(log: Logger): { ready(stop: () => Promise<void>): void } {
  let signals = 0;
  let stopper: (() => Promise<void>) | undefined;
  let requested: string | undefined;
  const run = (signal: string) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    (stopper as () => Promise<void>)().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    if (stopper) run(signal);
    else {
      requested = signal;
      log.info({ signal }, 'stopping as soon as start-up is done');
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  const parent = Number(process.env.PSIRT_EXIT_WITH_PARENT);
  if (Number.isInteger(parent) && parent > 1) {
    const watch = setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EPERM') return; // alive, another user's
        clearInterval(watch);
        if (signals === 0) shutdown('parent exited');
      }
    }, 250);
    watch.unref();
  }
  return {
    ready(stop) {
      stopper = stop;
      if (requested) run(requested);
    },
  };
}
