import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  applyMigrations,
  type Database,
  type DatabaseConfig,
  DataDirBusy,
  describeDatabase,
  ensureDemoTokens,
  openDatabase,
  redactUrl,
  seedDemo,
} from '@psirt/db';
import { type App, buildApp } from './app.ts';
import { type AdminChannel, startAdminChannel } from './cli/remote.ts';
import { type ApiConfig, ConfigError, keyPolicy } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { ensurePsirtKey } from './services/keys.ts';

export interface RunningPlatform {
  url: string;
  app: App;
  db: Database;
  log: Logger;
  demoTokens: { email: string; roles: string[]; token: string }[];
  stop(): Promise<void>;
}

/**
 * Starts the platform: open the database, apply migrations (serialised across
 * instances on PostgreSQL), load the demo dataset into an empty database, serve.
 */
export async function startPlatform(
  config: ApiConfig,
  log: Logger = createLogger(config.logLevel),
): Promise<RunningPlatform> {
  const t0 = performance.now();
  await checkHost(config.host);
  log.info({ database: describeDatabase(config.database) }, 'opening database');
  const db = await openAsServer(config, log);
  let admin: AdminChannel | undefined;
  try {
    const applied = await applyMigrations(db.adapter);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    let demoTokens: RunningPlatform['demoTokens'] = [];
    if (config.demo) {
      const seeded = await seedDemo(db.prisma);
      if (seeded) log.info({ case: seeded.casePublicId, report: seeded.reportPublicId }, 'demo dataset loaded');
      demoTokens = await ensureDemoTokens(db.prisma, config.dataDir);
    }
    // The PSIRT's OpenPGP key: generated on first start when none was imported.
    const keys = keyPolicy(config);
    const { key, generated } = await ensurePsirtKey(db.prisma, keys);
    if (generated) {
      log.info({ fingerprint: key.fingerprint }, 'generated the PSIRT OpenPGP key (published at /pgp-key.asc)');
    }
    const app = buildApp({
      db,
      log,
      graphiql: config.graphiql,
      introspection: config.introspection,
      corsOrigins: config.corsOrigins,
      limits: config.limits,
      clientBudget: config.clientBudget,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      submissionsPerHour: config.submissionsPerHour,
      cvssPerMinute: config.cvssPerMinute,
      publisher: config.publisher,
      cve: config.cve,
      cra: config.cra,
      mail: config.mail,
      supportContact: config.supportContact,
      live: config.live,
      slack: config.slack,
      keys: { passphrase: keys.passphrase },
      feeds: config.feeds,
      intake: {
        smtpPort: config.intake.smtpPort,
        smtpHost: config.intake.smtpHost,
        recipients: config.intake.recipients,
        maxBytes: config.intake.maxBytes,
        connectionsPerMinute: config.intake.connectionsPerMinute,
        mailsPerHour: config.intake.mailsPerHour,
        tls: config.intake.tls && {
          key: readFileSync(config.intake.tls.keyFile),
          cert: readFileSync(config.intake.tls.certFile),
        },
      },
    });
    const url = await app.listen(config.port, config.host).catch((error) => {
      throw listenError(error, config);
    });
    // The embedded database's one writer now carries out psirt commands for others.
    const lock = db.adapter.lock;
    if (lock && config.database.kind === 'pglite') {
      admin = await startAdminChannel({
        dataDir: path.dirname(config.database.dataDir),
        database: db,
        config,
        log,
        maxBytes: Math.ceil((config.intake.maxBytes * 4) / 3) + 1_048_576,
      });
      lock.update({ url, socket: admin.socket });
    }
    log.info(
      {
        url,
        startupMs: Math.round(performance.now() - t0),
        live: config.live.redisUrl ? `redis ${redactUrl(config.live.redisUrl)}` : 'in-process',
      },
      'psirt API listening',
    );
    let stopping: Promise<void> | undefined;
    return {
      url,
      app,
      db,
      log,
      demoTokens,
      stop() {
        stopping ??= (async () => {
          await admin?.close();
          await app.stop();
          await db.close();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await admin?.close().catch(() => {});
    await db.close().catch(() => {});
    throw error;
  }
}

/** HOST must name an address of this machine: said before anything is opened. */
async function checkHost(host: string): Promise<void> {
  try {
    await lookup(host);
  } catch (error) {
    throw new ConfigError(
      `HOST=${host}: not a name or address this machine can resolve (${(error as NodeJS.ErrnoException).code}); use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`,
    );
  }
}

/** Why the server could not listen, in the settings' own words. */
function listenError(error: NodeJS.ErrnoException & { port?: number }, config: ApiConfig): Error {
  const smtp =
    config.intake.smtpPort !== undefined && error.port === config.intake.smtpPort && error.port !== config.port;
  const name = smtp ? 'PSIRT_SMTP_PORT' : 'PORT';
  const port = error.port ?? config.port;
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `${name}=${port}: the port is in use (another psirt, or another program): choose another, or stop that one`,
      );
    case 'EACCES':
      return new ConfigError(
        `${name}=${port}: not allowed to listen there (ports below 1024 need privileges): choose a port above 1023`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigError(`HOST=${config.host}: not an address of this machine; use 127.0.0.1 or 0.0.0.0`);
    default:
      return error;
  }
}

/**
 * Opens the database as `psirt start`. On the embedded database this process
 * becomes its one writer; a psirt command holding it for a moment is waited
 * for, another server is not (DataDirBusy).
 */
async function openAsServer(config: ApiConfig, log: Logger): Promise<Database> {
  const deadline = Date.now() + 60_000;
  let told = false;
  for (;;) {
    try {
      return await openDatabase(config.database, { holder: { kind: 'server', command: 'psirt start' } });
    } catch (error) {
      if (!(error instanceof DataDirBusy) || error.holder.kind === 'server' || Date.now() > deadline) throw error;
      if (!told)
        log.info({ holder: error.holder.command, pid: error.holder.pid }, 'waiting for a psirt command to finish');
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** What a person sees on the terminal once the platform is up. */
export function banner(p: Pick<RunningPlatform, 'url' | 'demoTokens'>, database: DatabaseConfig): string {
  const lines = [
    '',
    `  psirt is running: ${p.url}  (open it in a browser for GraphiQL)`,
    `  database: ${describeDatabase(database)}`,
  ];
  if (p.demoTokens.length) {
    lines.push('', '  Demo API tokens — send as "Authorization: Bearer <token>":');
    for (const t of p.demoTokens) lines.push(`    ${t.roles.join(',').padEnd(28)} ${t.email.padEnd(26)} ${t.token}`);
    lines.push('', '  (demo data: set PSIRT_DEMO=0 to start without it)');
  } else {
    lines.push(
      '',
      database.kind === 'pglite'
        ? '  No demo data. A first API token, in another terminal (this server carries it out):'
        : '  No demo data. A first API token, in another terminal:',
      `    ${database.kind === 'postgres' ? `DATABASE_URL='${redactUrl(database.url)}' ` : ''}npm run psirt -- token create --role ADMIN --email you@example.com`,
    );
  }
  lines.push('  Stop with Ctrl-C.', '');
  return lines.join('\n');
}
