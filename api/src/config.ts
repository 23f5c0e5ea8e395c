import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type DatabaseConfig, databaseConfigFromEnv, dataDir, ensurePrivateDir } from '@psirt/db';
import { memberState, parseMarkets } from '@psirt/schema';
import { z } from 'zod';
import type { CraOptions } from './cra/settings.ts';
import { CVE_SERVICES_TEST_URL } from './cve/client.ts';
import { DEFAULT_CLIENT_BUDGET } from './server/budget.ts';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from './server/limits.ts';
import type { KeyPolicy } from './services/keys.ts';

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

/** A comma-separated list: each item trimmed (and mapped), the empty ones dropped. */
const commaList = (map: (item: string) => string = (x) => x) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((x) => map(x.trim()))
        .filter(Boolean),
    );

/**
 * Every environment variable the API reads, with its default. The README's
 * configuration table mirrors this schema; keep them together.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PSIRT_DEMO: flag(true),
  PSIRT_GRAPHIQL: flag(true),
  PSIRT_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  PSIRT_SUBMISSIONS_PER_HOUR: z.coerce.number().int().min(1).default(20),
  PSIRT_CVSS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  PSIRT_PUBLISHER_NAME: z.string().min(1).default('Example Vendor PSIRT'),
  PSIRT_PUBLISHER_NAMESPACE: z
    .url({ message: 'an https:// URL of the vendor, e.g. https://psirt.example.com' })
    .default('https://psirt.example.com'),
  PSIRT_PUBLISHER_CONTACT: z.string().min(1).default('psirt@example.com'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587')
    .optional(),
  PSIRT_MAIL_FROM: z.string().min(3).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
    .optional(),
  PSIRT_LIVE_QUEUE: z.coerce.number().int().min(1).default(100),
  PSIRT_LIVE_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1 << 20),
  PSIRT_WS_KEEPALIVE_MS: z.coerce.number().int().min(0).default(12_000),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[bp]-/, 'a bot token, xoxb-…')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token, xapp-… (Socket Mode)')
    .optional(),
  SLACK_API_URL: z
    .url({ message: 'Slack’s Web API base URL, e.g. https://slack.com/api/ (tests: a local fake)' })
    .optional(),
  PSIRT_SLACK_COMMITTEE_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]{6,}$/, 'a Slack channel id, e.g. C0123ABCD (from the channel’s details)')
    .optional(),
  PSIRT_KEY_PASSPHRASE: z.string().min(12, 'at least 12 characters').optional(),
  PSIRT_KEY_PASSPHRASE_FILE: z.string().min(1).optional(),
  PSIRT_KEY_OVERLAP_DAYS: z.coerce.number().int().min(0).default(30),
  PSIRT_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PSIRT_SMTP_HOST: z.string().min(1).optional(),
  PSIRT_MAIL_ADDRESS: commaList((x) => x.toLowerCase()).refine(
    (list) => list.every((a) => /^[^\s@]+@[^\s@]+$/.test(a)),
    'e-mail addresses, comma-separated',
  ),
  PSIRT_MAIL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  PSIRT_SMTP_CONNECTIONS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  PSIRT_SMTP_MAILS_PER_HOUR: z.coerce.number().int().min(1).default(120),
  PSIRT_SMTP_TLS_KEY_FILE: z.string().min(1).optional(),
  PSIRT_SMTP_TLS_CERT_FILE: z.string().min(1).optional(),
  PSIRT_NVD_URL: z
    .url({ message: 'the NVD CVE API 2.0 URL, e.g. https://services.nvd.nist.gov/rest/json/cves/2.0' })
    .optional(),
  PSIRT_NVD_API_KEY: z.string().min(8).optional(),
  PSIRT_NVD_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(120),
  PSIRT_CSAF_FEEDS: commaList().pipe(
    z.array(z.url({ message: 'comma-separated ROLIE feed or provider-metadata URLs of CSAF providers' })),
  ),
  PSIRT_CSAF_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(120),
  PSIRT_FEED_URLS: commaList().pipe(
    z.array(
      z.url({
        message: 'comma-separated URLs of OSV exports (.zip), CVE 5 records, the KEV catalogue or EPSS scores',
      }),
    ),
  ),
  PSIRT_FEED_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(720),
  PSIRT_PLUGINS: commaList(),
  PSIRT_CORS_ORIGINS: commaList((x) => x.replace(/\/+$/, '')).pipe(
    z.array(
      z
        .string()
        .regex(/^https?:\/\/[^/\s*]+$/, 'comma-separated origins, e.g. https://dashboard.example.com (no paths, no *)'),
    ),
  ),
  // Default: on for everyone in development; staff only when NODE_ENV=production.
  PSIRT_INTROSPECTION: z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']).optional(),
  PSIRT_MAX_ALIASES: z.coerce.number().int().min(1).default(DEFAULT_OPERATION_LIMITS.aliases),
  PSIRT_MAX_DEPTH: z.coerce.number().int().min(2).default(DEFAULT_OPERATION_LIMITS.depth),
  PSIRT_MAX_TOKENS: z.coerce.number().int().min(100).default(DEFAULT_OPERATION_LIMITS.tokens),
  PSIRT_MAX_DIRECTIVES: z.coerce.number().int().min(1).default(DEFAULT_OPERATION_LIMITS.directives),
  PSIRT_MAX_COMPLEXITY: z.coerce.number().int().min(100).default(DEFAULT_OPERATION_LIMITS.complexity),
  PSIRT_MAX_BODY_BYTES: z.coerce.number().int().min(16_384).default(DEFAULT_OPERATION_LIMITS.bodyBytes),
  PSIRT_CLIENT_BUDGET: z.coerce.number().int().min(1000).default(DEFAULT_CLIENT_BUDGET.perClient),
  PSIRT_INSTANCE_BUDGET: z.coerce.number().int().min(1000).default(DEFAULT_CLIENT_BUDGET.total),
  PSIRT_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(DEFAULT_OPERATION_LIMITS.timeoutMs),
  PSIRT_SUPPORT_CONTACT: z
    .string()
    .min(1)
    .default('your customer-support contact (see the support page of your contract)'),
  PSIRT_CVE_API_URL: z
    .url({ message: 'the CVE Services base URL, e.g. https://cveawg.mitre.org/api/' })
    .default(CVE_SERVICES_TEST_URL),
  PSIRT_CVE_ORG: z.string().min(2).max(32, 'a CNA short name: 2 to 32 characters').optional(),
  PSIRT_CVE_USER: z.string().min(1).optional(),
  PSIRT_CVE_API_KEY: z.string().min(8).optional(),
  PSIRT_CVE_ORG_ID: z.uuid({ message: "the CNA's organisation UUID (CVE Services: GET /org/{short name})" }).optional(),
  PSIRT_CVE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(10),
  PSIRT_CRA_MEMBER_STATE: z
    .string()
    .refine(
      (v) => memberState(v) !== null,
      'an EU Member State code (ISO 3166-1, e.g. DE): where the main establishment is',
    )
    .optional(),
  PSIRT_CRA_COORDINATOR: z.string().min(2).max(100).optional(),
  PSIRT_CRA_DEFAULT_MARKETS: commaList().refine((list) => {
    try {
      parseMarkets(list);
      return true;
    } catch {
      return false;
    }
  }, 'EU Member State codes, comma-separated (DE,FR), or EU for all 27'),
  PSIRT_CRA_CHECK_SECONDS: z.coerce.number().int().min(0).default(60),
  PSIRT_CVD_POLICY_FILE: z.string().min(1).optional(),
  PSIRT_SLACK_PSIRT_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]{6,}$/, 'a Slack channel id, e.g. C0123ABCD (from the channel’s details)')
    .optional(),
});

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  demo: boolean;
  graphiql: boolean;
  /** Introspection for anonymous callers and reporters (staff always have it). */
  introspection: boolean;
  /** Browser origins allowed to call the API (CORS). */
  corsOrigins: string[];
  /** What one operation may ask for. */
  limits: OperationLimits;
  /** Estimated cost executing at once: per client, and for the instance (server/budget.ts). */
  clientBudget: { perClient: number; total: number };
  shutdownTimeoutMs: number;
  /** Anonymous report submissions allowed per client address per hour. */
  submissionsPerHour: number;
  /** Calls of the public CVSS calculator per caller per minute. */
  cvssPerMinute: number;
  /** The advisory publisher (CSAF). */
  publisher: { name: string; namespace: string; contactDetails: string };
  /** Outbox mail delivery (off without an SMTP URL). */
  mail: { url?: string; from?: string };
  /** Where LIVE_INCIDENT reporters are sent. */
  supportContact: string;
  /**
   * The PSIRT as a CNA: its short name and organisation UUID (in every record),
   * and CVE Services (the API's URL and a user's credentials: calls are made only
   * with all three of org, user and key).
   */
  cve: { apiUrl: string; org?: string; user?: string; apiKey?: string; orgId?: string; intervalMs: number };
  /** The manufacturer under the Cyber Resilience Act (cra/settings.ts). */
  cra: CraOptions;
  /** Live updates: Redis to share them between instances; limits per subscriber; WebSocket pings. */
  live: { redisUrl?: string; limits: { queue: number; bufferedBytes: number }; keepAliveMs: number };
  /** The PSIRT OpenPGP key: where the passphrase of the stored private keys comes from; the rotation overlap. */
  keys: { passphrase?: string; passphraseFile?: string; overlapDays: number };
  /**
   * Mail intake: the SMTP receiver (off without a port), the addresses it takes
   * mail for, the size over which mail is quarantined, STARTTLS files.
   */
  intake: {
    smtpPort?: number;
    smtpHost: string;
    recipients: string[];
    maxBytes: number;
    /** Per client address (behind a relay, the relay's): connections a minute, mails an hour. */
    connectionsPerMinute: number;
    mailsPerHour: number;
    tls?: { keyFile: string; certFile: string };
  };
  /** Third-party CVE feeds: the NVD API fetched on a schedule when a URL is set. */
  feeds: {
    nvd?: { baseUrl: string; apiKey?: string; intervalMs: number };
    /** Suppliers' CSAF providers: their ROLIE feeds, read on a schedule. */
    csaf?: { feeds: string[]; intervalMs: number };
    /** Other feeds fetched on a schedule: OSV exports, CVE 5 records, the KEV catalogue, EPSS scores. */
    urls?: { urls: string[]; intervalMs: number };
  };
  /** Slack chat-ops (on with both secrets) and extra plugins by package name. */
  slack: {
    botToken?: string;
    signingSecret?: string;
    appToken?: string;
    /** Slack's Web API base URL (SLACK_API_URL), as for `psirt bot`. */
    slackApiUrl?: string;
    plugins: string[];
    channels: { committee?: string; psirt?: string };
  };
  database: DatabaseConfig;
  dataDir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Zod says "expected number, received NaN" of `PORT=abc`; people need to read
 * what was given and what is wanted. Only numeric settings are echoed: none
 * of them is a secret.
 */
const numberExpected =
  (env: NodeJS.ProcessEnv) =>
  (issue: { code?: string; expected?: string; path?: PropertyKey[] }): string | undefined => {
    if (issue.code !== 'invalid_type' || issue.expected !== 'number') return undefined;
    const name = String(issue.path?.[0] ?? '');
    return `a whole number${name === 'PORT' ? ' from 0 to 65535' : ''}, not ${JSON.stringify(env[name] ?? '')}`;
  };

/** Reads and checks the environment; a bad value is named with what is allowed. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = envSchema.safeParse(env, { error: numberExpected(env) });
  const slackReceiver = parsed.success && (parsed.data.SLACK_SIGNING_SECRET ?? parsed.data.SLACK_APP_TOKEN);
  if (parsed.success && !parsed.data.SLACK_BOT_TOKEN !== !slackReceiver) {
    throw new ConfigError(
      'invalid configuration:\n  SLACK_BOT_TOKEN goes with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode): set both to turn chat-ops on, or neither',
    );
  }
  if (parsed.success && !parsed.data.PSIRT_SMTP_TLS_KEY_FILE !== !parsed.data.PSIRT_SMTP_TLS_CERT_FILE) {
    throw new ConfigError(
      'invalid configuration:\n  PSIRT_SMTP_TLS_KEY_FILE goes with PSIRT_SMTP_TLS_CERT_FILE: set both to offer STARTTLS, or neither',
    );
  }
  if (parsed.success) {
    const d = parsed.data;
    const given = [d.PSIRT_CVE_USER, d.PSIRT_CVE_API_KEY].filter(Boolean).length;
    if (given > 0 && !(given === 2 && d.PSIRT_CVE_ORG && d.PSIRT_CVE_ORG_ID)) {
      throw new ConfigError(
        'invalid configuration:\n  CVE Services needs PSIRT_CVE_ORG, PSIRT_CVE_ORG_ID, PSIRT_CVE_USER and PSIRT_CVE_API_KEY together: set all four, or no user and key',
      );
    }
  }
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  let database: DatabaseConfig;
  try {
    database = databaseConfigFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    demo: e.PSIRT_DEMO,
    graphiql: e.PSIRT_GRAPHIQL,
    // Staff always introspect; anonymous callers and reporters only when this turns it on.
    introspection: ['1', 'true', 'yes', 'on'].includes(e.PSIRT_INTROSPECTION ?? 'off'),
    corsOrigins: e.PSIRT_CORS_ORIGINS,
    limits: {
      aliases: e.PSIRT_MAX_ALIASES,
      depth: e.PSIRT_MAX_DEPTH,
      tokens: e.PSIRT_MAX_TOKENS,
      directives: e.PSIRT_MAX_DIRECTIVES,
      complexity: e.PSIRT_MAX_COMPLEXITY,
      timeoutMs: e.PSIRT_QUERY_TIMEOUT_MS,
      bodyBytes: e.PSIRT_MAX_BODY_BYTES,
    },
    clientBudget: { perClient: e.PSIRT_CLIENT_BUDGET, total: e.PSIRT_INSTANCE_BUDGET },
    shutdownTimeoutMs: e.PSIRT_SHUTDOWN_TIMEOUT_MS,
    submissionsPerHour: e.PSIRT_SUBMISSIONS_PER_HOUR,
    cvssPerMinute: e.PSIRT_CVSS_PER_MINUTE,
    mail: { url: e.SMTP_URL, from: e.PSIRT_MAIL_FROM },
    publisher: {
      name: e.PSIRT_PUBLISHER_NAME,
      namespace: e.PSIRT_PUBLISHER_NAMESPACE,
      contactDetails: e.PSIRT_PUBLISHER_CONTACT,
    },
    supportContact: e.PSIRT_SUPPORT_CONTACT,
    cve: {
      apiUrl: e.PSIRT_CVE_API_URL,
      org: e.PSIRT_CVE_ORG,
      user: e.PSIRT_CVE_USER,
      apiKey: e.PSIRT_CVE_API_KEY,
      orgId: e.PSIRT_CVE_ORG_ID,
      intervalMs: e.PSIRT_CVE_INTERVAL_SECONDS * 1000,
    },
    cra: {
      memberState: e.PSIRT_CRA_MEMBER_STATE,
      coordinator: e.PSIRT_CRA_COORDINATOR,
      defaultMarkets: e.PSIRT_CRA_DEFAULT_MARKETS,
      checkIntervalMs: e.PSIRT_CRA_CHECK_SECONDS * 1000,
      policyFile: e.PSIRT_CVD_POLICY_FILE,
    },
    live: {
      redisUrl: e.REDIS_URL,
      limits: { queue: e.PSIRT_LIVE_QUEUE, bufferedBytes: e.PSIRT_LIVE_BUFFER_BYTES },
      keepAliveMs: e.PSIRT_WS_KEEPALIVE_MS,
    },
    keys: {
      passphrase: e.PSIRT_KEY_PASSPHRASE,
      passphraseFile: e.PSIRT_KEY_PASSPHRASE_FILE,
      overlapDays: e.PSIRT_KEY_OVERLAP_DAYS,
    },
    intake: {
      smtpPort: e.PSIRT_SMTP_PORT,
      smtpHost: e.PSIRT_SMTP_HOST ?? e.HOST,
      recipients: e.PSIRT_MAIL_ADDRESS.length ? e.PSIRT_MAIL_ADDRESS : [contactAddress(e.PSIRT_PUBLISHER_CONTACT)],
      maxBytes: e.PSIRT_MAIL_MAX_BYTES,
      connectionsPerMinute: e.PSIRT_SMTP_CONNECTIONS_PER_MINUTE,
      mailsPerHour: e.PSIRT_SMTP_MAILS_PER_HOUR,
      ...(e.PSIRT_SMTP_TLS_KEY_FILE && e.PSIRT_SMTP_TLS_CERT_FILE
        ? { tls: { keyFile: e.PSIRT_SMTP_TLS_KEY_FILE, certFile: e.PSIRT_SMTP_TLS_CERT_FILE } }
        : {}),
    },
    feeds: {
      nvd: e.PSIRT_NVD_URL
        ? { baseUrl: e.PSIRT_NVD_URL, apiKey: e.PSIRT_NVD_API_KEY, intervalMs: e.PSIRT_NVD_INTERVAL_MINUTES * 60_000 }
        : undefined,
      csaf: e.PSIRT_CSAF_FEEDS.length
        ? { feeds: e.PSIRT_CSAF_FEEDS, intervalMs: e.PSIRT_CSAF_INTERVAL_MINUTES * 60_000 }
        : undefined,
      urls: e.PSIRT_FEED_URLS.length
        ? { urls: e.PSIRT_FEED_URLS, intervalMs: e.PSIRT_FEED_INTERVAL_MINUTES * 60_000 }
        : undefined,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      slackApiUrl: e.SLACK_API_URL,
      plugins: e.PSIRT_PLUGINS,
      channels: { committee: e.PSIRT_SLACK_COMMITTEE_CHANNEL, psirt: e.PSIRT_SLACK_PSIRT_CHANNEL },
    },
    database,
    dataDir: dataDir(env),
  };
}

/** The separate-process Slack bot's configuration (`psirt bot`). */
export function botConfigFromEnv(env: NodeJS.ProcessEnv) {
  const schema = z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'a bot token, xoxb-…'),
    SLACK_SIGNING_SECRET: z.string().min(8).optional(),
    SLACK_APP_TOKEN: envSchema.shape.SLACK_APP_TOKEN,
    PSIRT_API_URL: z.url({ message: 'the API’s GraphQL URL, e.g. http://psirt-api:4000/graphql' }),
    PSIRT_CHAT_OPS_TOKEN: z
      .string()
      .startsWith('psirt_', 'a psirt API token of a CHAT_OPS user (psirt token create --role CHAT_OPS)'),
    PSIRT_SLACK_COMMITTEE_CHANNEL: envSchema.shape.PSIRT_SLACK_COMMITTEE_CHANNEL,
    PSIRT_SLACK_PSIRT_CHANNEL: envSchema.shape.PSIRT_SLACK_PSIRT_CHANNEL,
    PSIRT_PLUGINS: envSchema.shape.PSIRT_PLUGINS,
    SLACK_API_URL: envSchema.shape.SLACK_API_URL,
    REDIS_URL: envSchema.shape.REDIS_URL,
  });
  const parsed = schema.safeParse(env);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    lines.push('  SLACK_SIGNING_SECRET: needed for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (!parsed.success || lines.length) throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  const e = parsed.data;
  return {
    appToken: e.SLACK_APP_TOKEN,
    port: e.PORT,
    host: e.HOST,
    botToken: e.SLACK_BOT_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET ?? '',
    apiUrl: e.PSIRT_API_URL,
    apiToken: e.PSIRT_CHAT_OPS_TOKEN,
    channels: { committee: e.PSIRT_SLACK_COMMITTEE_CHANNEL, psirt: e.PSIRT_SLACK_PSIRT_CHANNEL },
    plugins: e.PSIRT_PLUGINS,
    slackApiUrl: e.SLACK_API_URL,
    redisUrl: e.REDIS_URL,
  };
}

/**
 * The key policy: the passphrase from PSIRT_KEY_PASSPHRASE, else the file
 * PSIRT_KEY_PASSPHRASE_FILE, else (the embedded default) a random one kept in
 * the data directory, created on first use and readable by its owner only.
 */
export function keyPolicy(config: Pick<ApiConfig, 'keys' | 'dataDir' | 'publisher'>): KeyPolicy {
  let passphrase = config.keys.passphrase;
  if (!passphrase) {
    const file = config.keys.passphraseFile ?? path.join(config.dataDir, 'key-passphrase');
    if (!config.keys.passphraseFile && !existsSync(file)) {
      try {
        ensurePrivateDir(path.dirname(file));
      } catch (error) {
        throw new ConfigError(`PSIRT_DATA_DIR: ${(error as Error).message}`);
      }
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    }
    try {
      passphrase = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`PSIRT_KEY_PASSPHRASE_FILE: cannot read ${file}: ${(error as Error).message}`);
    }
    if (passphrase.length < 12)
      throw new ConfigError(`PSIRT_KEY_PASSPHRASE_FILE: ${file} holds fewer than 12 characters`);
  }
  const email = contactAddress(config.publisher.contactDetails);
  return { passphrase, name: config.publisher.name, email, overlapDays: config.keys.overlapDays };
}

/** The e-mail address in the publisher's contact details (the key's user id, the default intake address). */
export const contactAddress = (contact: string) =>
  /[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.exec(contact)?.[0]?.toLowerCase() ?? 'psirt@example.com';
