import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bot } from '@psirt/bot';
import { createAuditBatcher, type Database, redactUrl } from '@psirt/db';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { backgroundJobs } from './background/index.ts';
import { startChatOps } from './chatops.ts';
import { contactAddress } from './config.ts';
import type { CraOptions } from './cra/settings.ts';
import { CVE_SERVICES_TEST_URL, cveServicesClient } from './cve/client.ts';
import type { NvdSource } from './feeds/fetch.ts';
import type { MailDecoder } from './intake/decoder.ts';
import { DEFAULT_MAIL_MAX_BYTES, type IntakeDeps } from './intake/mail.ts';
import { createSmtpIntake } from './intake/smtp.ts';
import { createLiveBus, type LiveBus } from './live/bus.ts';
import { DEFAULT_LIVE_LIMITS, type LiveLimits } from './live/stream.ts';
import { attachWebSockets } from './live/ws.ts';
import type { Logger } from './logger.ts';
import { smtpTransport } from './outbox.ts';
import { platformPolicy } from './policy.ts';
import { type ClientBudgetLimits, ClientGate, DEFAULT_CLIENT_BUDGET } from './server/budget.ts';
import { createHttpServer } from './server/http.ts';
import { inProcessGraphql } from './server/in-process.ts';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './server/limits.ts';
import { readinessCheck } from './server/readiness.ts';
import { type ApiYoga, createApiYoga } from './server/yoga.ts';
import { psirtDecryptionKeys } from './services/keys.ts';
import { createSite } from './site/index.ts';

export interface AppDeps {
  db: Database;
  log: Logger;
  /** Serve GraphiQL to browsers at /graphql (default true). */
  graphiql?: boolean;
  /** What one operation may ask for (defaults: DEFAULT_OPERATION_LIMITS). */
  limits?: Partial<OperationLimits>;
  /** Each client's share of the instance (defaults: DEFAULT_CLIENT_BUDGET). */
  clientBudget?: Partial<ClientBudgetLimits>;
  /** Browser origins allowed to call /graphql (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** Introspection for anonymous callers and reporters too (staff always); default off. */
  introspection?: boolean;
  /** How long in-flight requests may take to finish on stop (default 10 s). */
  shutdownTimeoutMs?: number;
  /** The clock (default: the system's). Tests move it to make SLAs overdue. */
  clock?: () => Date;
  /** Anonymous report submissions per client address per hour (default 20). */
  submissionsPerHour?: number;
  /** Where LIVE_INCIDENT reporters are sent. */
  supportContact?: string;
  /** Calls of the public CVSS calculator per caller per minute (default 600). */
  cvssPerMinute?: number;
  /** How often scheduled advisories are checked for release (default 30 s; 0 turns the scheduler off). */
  releaseIntervalMs?: number;
  /** On the embedded database: how often tables changed enough get ANALYZE (default 5 min; all at start; 0: off). */
  analyzeIntervalMs?: number;
  /** Outbox mail delivery: SMTP URL (off without one), sender, how often to look (default 2 s). */
  mail?: { url?: string; from?: string; intervalMs?: number; quiet?: boolean };
  /**
   * The PSIRT as a CNA, and CVE Services: calls are made with org, orgId, user
   * and apiKey all set, every intervalMs (default 10 s).
   */
  cve?: {
    apiUrl?: string;
    org?: string;
    orgId?: string;
    user?: string;
    apiKey?: string;
    intervalMs?: number;
    fetch?: typeof fetch;
  };
  /** The advisory publisher (CSAF document.publisher). */
  publisher?: { name?: string; namespace?: string; contactDetails?: string };
  /**
   * The manufacturer under the Cyber Resilience Act: its main establishment
   * (a Member State code), the coordinator CSIRT if not the designated one,
   * default markets, how often the clocks are checked (default 60 s; 0: off),
   * the CVD policy file.
   */
  cra?: CraOptions;
  /**
   * Live updates: with a Redis URL, shared between instances (else in-process);
   * how far a subscriber may fall behind; the WebSocket keep-alive ping interval.
   */
  live?: { redisUrl?: string; channelPrefix?: string; limits?: Partial<LiveLimits>; keepAliveMs?: number };
  /** The PSIRT OpenPGP keys' passphrase: CSAF documents and mails are then signed, mail intake decrypts. */
  keys?: { passphrase: string };
  /**
   * Mail intake: an SMTP receiver on smtpPort (off without one; 0 picks a free
   * port), for these recipient addresses; mail over maxBytes is quarantined
   * (default 10 MiB) and over twice that cut and refused.
   */
  intake?: {
    smtpPort?: number;
    smtpHost?: string;
    recipients?: readonly string[];
    maxBytes?: number;
    /** Per SMTP client address: connections a minute (default 30), mails an hour (default 120). */
    connectionsPerMinute?: number;
    mailsPerHour?: number;
    tls?: { key: string | Buffer; cert: string | Buffer };
    /** How often mail left half-processed (over 10 min old) is taken up again (default 60 s; 0: never). */
    retryIntervalMs?: number;
    /** Where mail is decoded (default: the process's worker thread; see intake/decoder.ts). */
    decoder?: MailDecoder;
  };
  /** Third-party CVE feeds: the NVD API (or a mirror) fetched every intervalMs (default 2 h), incrementally. */
  feeds?: {
    nvd?: NvdSource & { intervalMs?: number };
    csaf?: { feeds: string[]; intervalMs?: number };
    /** OSV exports, CVE 5 records, the KEV catalogue, EPSS scores: fetched every intervalMs (default 12 h). */
    urls?: { urls: string[]; intervalMs?: number };
  };
  /**
   * Slack chat-ops in this process (HTTP mode, POST /slack/events): on when both
   * the bot token and the signing secret are given. Plugins: the built-in ones
   * plus these package names (PSIRT_PLUGINS).
   */
  slack?: {
    botToken?: string;
    signingSecret?: string;
    /** An app-level token (xapp-…): Socket Mode instead of HTTP. */
    appToken?: string;
    slackApiUrl?: string;
    plugins?: readonly string[];
    /** Channel ids: the committee's (reviews and votes). */
    channels?: { committee?: string; psirt?: string };
  };
}

export interface App {
  yoga: ApiYoga;
  server: Server;
  /** Listens; resolves with the GraphQL URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, lets in-flight ones finish, then closes the server. */
  stop(): Promise<void>;
  /** Database reachable and every migration on disk applied. */
  ready(): Promise<{ ok: boolean; reason?: string }>;
  /** The SMTP receiver's port, once listening (null when mail intake over SMTP is off). */
  smtpPort(): number | null;
  /** What mail intake needs (for `psirt intake` and tests). */
  intake: IntakeDeps;
  /** The live-update bus (in-process or Redis). */
  live: LiveBus;
  /** Open WebSocket connections. */
  webSocketCount(): number;
  /** Each client's share of the instance: what runs and what waits. */
  gate: ClientGate;
}

/** Builds the HTTP application around a database. main.ts and the tests both use it. */
export function buildApp(deps: AppDeps): App {
  const { db, log } = deps;
  let draining = false;
  const now = deps.clock ?? (() => new Date());
  const policy = platformPolicy(deps);
  const mailIntake = {
    passphrase: deps.keys?.passphrase ?? '',
    maxBytes: deps.intake?.maxBytes ?? DEFAULT_MAIL_MAX_BYTES,
    publisherNamespace: policy.publisher.namespace,
    ...(deps.intake?.decoder ? { decoder: deps.intake.decoder } : {}),
  };
  // In memory, per instance: a coarse brake on anonymous submissions, not a quota.
  // Audit entries of reads go through a connection of their own (PostgreSQL): never starved by the reads.
  const auditBatcher = createAuditBatcher(db.audit);
  const submissionLimiter = new RateLimiterMemory({ points: deps.submissionsPerHour ?? 20, duration: 3600 });
  const calculatorLimiter = new RateLimiterMemory({ points: deps.cvssPerMinute ?? 600, duration: 60 });
  const live = createLiveBus({ redisUrl: deps.live?.redisUrl, channelPrefix: deps.live?.channelPrefix, log });
  const liveLimits: LiveLimits = { ...DEFAULT_LIVE_LIMITS, ...deps.live?.limits };

  const operationLimits = { ...DEFAULT_OPERATION_LIMITS, ...deps.limits };
  const gate = new ClientGate({ ...DEFAULT_CLIENT_BUDGET, maxWaitMs: operationLimits.timeoutMs, ...deps.clientBudget });
  const yoga = createApiYoga({
    db,
    log,
    now,
    graphiql: deps.graphiql !== false,
    auditBatcher,
    policy,
    mailIntake,
    submissionLimiter,
    calculatorLimiter,
    live,
    liveLimits,
    limits: operationLimits,
    corsOrigins: deps.corsOrigins ?? [],
    introspection: deps.introspection ?? false,
    gate,
  });

  const ready = readinessCheck({ db, log, draining: () => draining });

  const site = createSite({
    db: db.prisma,
    publisher: policy.publisher,
    now,
    limiter: submissionLimiter,
    keyPassphrase: deps.keys?.passphrase,
    policy: policy.cra.policy,
    // The reporter's pages act through GraphQL as the reporter, for the request they serve (its address).
    gql: inProcessGraphql(yoga),
  });

  // Mail intake: stored, decrypted, checked, turned into VSRs or replies.
  const intake: IntakeDeps = {
    db: db.prisma,
    driver: db.adapter,
    now,
    live,
    requestId: 'mail-intake',
    ...mailIntake,
    log: log.child({ component: 'intake' }),
  };
  const smtp =
    deps.intake?.smtpPort !== undefined
      ? createSmtpIntake(intake, {
          recipients: deps.intake.recipients ?? [contactAddress(policy.publisher.contactDetails)],
          maxBytes: intake.maxBytes,
          connectionsPerMinute: deps.intake.connectionsPerMinute,
          mailsPerHour: deps.intake.mailsPerHour,
          tls: deps.intake.tls,
        })
      : null;
  let smtpPort: number | null = null;

  // Mail delivery from the outbox, when an SMTP server is configured.
  const mailer = deps.mail?.url
    ? {
        keyPassphrase: deps.keys?.passphrase,
        db: db.prisma,
        transport: smtpTransport(deps.mail.url),
        from: deps.mail.from ?? policy.publisher.contactDetails,
        now,
        log: log.child({ component: 'outbox' }),
        intervalMs: deps.mail.intervalMs ?? 2_000,
      }
    : null;
  const background = backgroundJobs({
    db: db.prisma,
    log,
    now,
    live,
    draining: () => draining,
    publisher: policy.publisher,
    cna: policy.cna,
    cra: policy.cra,
    releaseIntervalMs: deps.releaseIntervalMs ?? 30_000,
    mailer,
    cve: policy.cna.services
      ? {
          client: cveServicesClient(
            {
              url: deps.cve?.apiUrl ?? CVE_SERVICES_TEST_URL,
              org: policy.cna.shortName,
              user: deps.cve?.user as string,
              apiKey: deps.cve?.apiKey as string,
            },
            deps.cve?.fetch,
          ),
          cna: policy.cna,
          intervalMs: deps.cve?.intervalMs ?? 10_000,
        }
      : null,
    feeds: deps.feeds,
    intake: deps.intake ? { ...intake, retryIntervalMs: deps.intake.retryIntervalMs ?? 60_000 } : null,
    // PostgreSQL's autovacuum keeps its statistics; PGlite has none.
    analyzeIntervalMs: db.adapter.pglite ? (deps.analyzeIntervalMs ?? 300_000) : 0,
  });

  let bot: Bot | undefined;
  const server = createHttpServer({
    log,
    draining: () => draining,
    ready,
    bot: () => bot,
    site,
    yoga,
    bodyBytes: operationLimits.bodyBytes,
  });

  const sockets = attachWebSockets({
    server,
    yoga,
    db,
    log,
    now,
    keepAliveMs: deps.live?.keepAliveMs ?? 12_000,
    draining: () => draining,
  });

  return {
    yoga,
    server,
    ready,
    live,
    webSocketCount: () => sockets.count(),
    gate,
    smtpPort: () => smtpPort,
    intake,
    async listen(port, host = '127.0.0.1') {
      await readyWithin(live, 10_000, deps.live?.redisUrl);
      if (smtp) {
        smtpPort = await smtp.listen(deps.intake?.smtpPort ?? 0, deps.intake?.smtpHost ?? host);
        log.info({ port: smtpPort, recipients: deps.intake?.recipients }, 'mail intake listening (SMTP)');
        // The keys' passphrase derivation (~150 ms of CPU) now, not on the event loop when the first mail comes.
        psirtDecryptionKeys(db.prisma, intake.passphrase, now()).catch(() => {});
      }
      const slack = deps.slack;
      if (slack?.botToken && (slack.signingSecret || slack.appToken)) {
        bot = await startChatOps({
          db: db.prisma,
          log: log.child({ component: 'slack' }),
          botToken: slack.botToken,
          signingSecret: slack.signingSecret ?? '',
          appToken: slack.appToken,
          slackApiUrl: slack.slackApiUrl,
          plugins: slack.plugins ?? [],
          channels: slack.channels ?? {},
          embedded: Boolean(db.adapter.pglite),
          // In-process: the bot's GraphQL requests go through Yoga without a network hop.
          fetch: (url, init) =>
            Promise.resolve(
              (yoga.fetch as (u: string, i?: RequestInit) => Response | Promise<Response>)(String(url), init),
            ),
        });
      } else if (deps.mail?.quiet !== true) {
        log.info(
          'chat-ops is off (set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET, or with SLACK_APP_TOKEN for Socket Mode, to turn the Slack bot on)',
        );
      }
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          if (!smtp && deps.mail?.quiet !== true) {
            log.info('mail intake over SMTP is off (set PSIRT_SMTP_PORT); `psirt intake mail` takes piped mail');
          }
          if (!mailer && deps.mail?.quiet !== true) {
            log.info('mail delivery is off (no SMTP_URL): messages wait in the outbox');
          }
          for (const b of background) b.start();
          const addr = server.address() as AddressInfo;
          if (bot) {
            const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
            bot.startLive(`ws://${local}:${addr.port}/graphql`).catch((error) => {
              log.error({ err: error }, 'the Slack bot could not subscribe to live updates');
            });
          }
          const shown = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' ? 'localhost' : host;
          resolve(`http://${shown}:${addr.port}/graphql`);
        });
      });
    },
    async stop() {
      if (!server.listening) return;
      draining = true;
      await Promise.all(background.map((b) => b.stop()));
      await bot?.stop();
      await smtp?.close();
      mailer?.transport.close();
      await sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeout = deps.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout);
      });
      if ((await Promise.race([closed, forced])) === 'timeout') {
        log.warn({ timeoutMs: timeout }, 'in-flight requests did not finish in time; closing their connections');
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      await live.close();
    },
  };
}

/** Waits for the live bus (Redis: connected and subscribed); a clear error when it cannot be reached. */
async function readyWithin(live: LiveBus, ms: number, redisUrl: string | undefined) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`Redis at ${redactUrl(redisUrl ?? '')} did not answer within ${ms / 1000} s (REDIS_URL)`));
    }, ms);
  });
  try {
    await Promise.race([live.ready(), late]);
  } finally {
    clearTimeout(timer);
  }
}
