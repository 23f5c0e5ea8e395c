// The `psirt` command-line tool. Each command is small and says what it did;
// failures print one clear line (no stack trace) and exit non-zero.

// Each command loads what it needs when it runs (await import): the server's
// module graph takes seconds to load, and `--help`, `db status` or `token
// create` should not wait for it.
import { readFileSync } from 'node:fs';
import {
  appendAudit,
  applyMigrations,
  createMigration,
  type Database,
  describeDatabase,
  hashToken,
  issueUserToken,
  migrationStatus,
  openDatabase,
  pendingSchemaChange,
  verifyAuditChain,
} from '@psirt/db';
import { DomainError, isRole, isUuid, NIL_UUID, ROLES, type Role } from '@psirt/schema';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type ApiConfig, botConfigFromEnv, ConfigError, configFromEnv, keyPolicy } from './config.ts';
import type { IntakeDeps, IntakeResult } from './intake/mail.ts';
import { createLogger } from './logger.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

function loadConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return { ...configFromEnv(), ...overrides };
}

/** Opens the configured database for one command, and always closes it. */
async function withDatabase<T>(fn: (database: Database, config: ApiConfig) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config.database);
  try {
    return await fn(database, config);
  } finally {
    await database.close();
  }
}

const program = new Command()
  .name('psirt')
  .description('psirt — product-security incident response platform')
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ sortSubcommands: true });

program
  .command('start')
  .description('Migrate the database, load demo data into an empty one (unless PSIRT_DEMO=0) and serve the API')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 4000)', parsePort)
  .option('--host <host>', 'interface to bind (env HOST, default 127.0.0.1)')
  .option('--no-demo', 'do not load or print demo data (env PSIRT_DEMO=0)')
  .action(async (opts: { port?: number; host?: string; demo: boolean }) => {
    const config = loadConfig({
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host ? { host: opts.host } : {}),
    });
    if (!opts.demo) config.demo = false;
    const log = createLogger(config.logLevel);
    const { banner, startPlatform } = await import('./main.ts');
    const platform = await startPlatform(config, log);
    process.stderr.write(banner(platform, describeDatabase(config.database)));
    let signals = 0;
    const shutdown = (signal: string) => {
      signals += 1;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting at once');
        process.exit(130);
      }
      log.info({ signal }, 'shutting down: finishing in-flight requests');
      platform.stop().then(
        () => process.exit(0),
        (error) => {
          log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

const db = program.command('db').description('Database schema: migrations and their status');

db.command('migrate')
  .description('Apply pending migrations to the configured database (also done by start)')
  .action(() =>
    withDatabase(async (database, config) => {
      out(`database: ${describeDatabase(config.database)}`);
      const applied = await applyMigrations(database.adapter);
      out(applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'already up to date');
    }),
  );

db.command('status')
  .description('Show applied, pending, failed and edited migrations; exit 1 unless up to date')
  .option(
    '--schema',
    'also check that prisma/schema.prisma has no changes without a migration (for developers; slower: it builds a scratch database)',
  )
  .action((opts: { schema?: boolean }) =>
    withDatabase(async (database, config) => {
      const s = await migrationStatus(database.adapter);
      out(`database: ${describeDatabase(config.database)}`);
      for (const m of s.migrations) {
        const state = s.failed.includes(m)
          ? 'FAILED'
          : s.edited.includes(m)
            ? 'edited since applied'
            : s.pending.includes(m)
              ? 'pending'
              : 'applied';
        out(`  ${m}  ${state}`);
      }
      for (const m of s.unknown) out(`  ${m}  applied, but not in prisma/migrations (newer code?)`);
      const drift = opts.schema ? await pendingSchemaChange() : null;
      if (drift) out('schema.prisma has changes with no migration: run `npm run db:diff -- --name <name>`');
      out(s.upToDate ? 'up to date' : 'NOT up to date: run `npm run db:migrate`');
      process.exitCode = s.upToDate && !drift ? 0 : 1;
    }),
  );

db.command('diff')
  .description('Write a new migration from the changes in prisma/schema.prisma')
  .requiredOption('-n, --name <name>', 'what the migration does, in snake_case (e.g. add_case_priority)')
  .action(async (opts: { name: string }) => {
    const dir = await createMigration(opts.name);
    out(
      dir
        ? `wrote ${dir}/migration.sql — review it, then commit it with schema.prisma`
        : 'no changes: schema.prisma and the migrations agree',
    );
  });

const token = program.command('token').description('API tokens for staff users and integrations');

token
  .command('create')
  .description('Issue an API token (shown once). Creates the user if the e-mail is new.')
  .addOption(
    new Option('-r, --role <role...>', 'role(s) the user must hold (added when missing)').choices(
      ROLES as unknown as string[],
    ),
  )
  .option('-e, --email <email>', 'the user (default: <role>@psirt.local)')
  .option('--name <name>', "the user's display name, for a new user")
  .option('--label <label>', 'what the token is for', 'cli')
  .option('--expires-in-days <days>', 'expiry (default: never)', parsePositiveInt)
  .action(async (opts: { role?: string[]; email?: string; name?: string; label: string; expiresInDays?: number }) => {
    const roles = (opts.role ?? []).filter(isRole) as Role[];
    if (!opts.email && roles.length === 0) throw new DomainError('VALIDATION', 'give --role, --email, or both');
    const email = (opts.email ?? `${roles[0]?.toLowerCase().replace(/_/g, '-')}@psirt.local`).toLowerCase();
    await withDatabase(async ({ prisma }) => {
      const existing = await prisma.user.findUnique({ where: { email } });
      if (!existing && roles.length === 0)
        throw new DomainError('NOT_FOUND', `no user ${email}; give --role to create one`);
      const user = existing
        ? await prisma.user.update({
            where: { id: existing.id },
            data: { roles: [...new Set([...(existing.roles as Role[]), ...roles])] },
          })
        : await prisma.user.create({ data: { email, name: opts.name ?? email, roles } });
      const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null;
      const issued = await issueUserToken(prisma, { userId: user.id, name: opts.label, expiresAt });
      out(`${existing ? 'user' : 'created user'} ${user.email} (${(user.roles as string[]).join(', ')})`);
      out(`token (shown once; send as "Authorization: Bearer <token>"):`);
      out(issued.secret);
      if (expiresAt) out(`expires ${expiresAt.toISOString()}`);
    });
  });

token
  .command('revoke')
  .description(
    'Revoke API tokens now: requests with them are refused, and live subscriptions using them are closed at their next event.',
  )
  .argument('[token]', 'the token itself (psirt_…) or its id')
  .option('-e, --email <email>', 'revoke every token of this user instead')
  .action((secretOrId: string | undefined, opts: { email?: string }) =>
    withDatabase(async ({ prisma }) => {
      if (!secretOrId === !opts.email) throw new DomainError('VALIDATION', 'give a token (or its id), or --email');
      const where = opts.email
        ? { user: { email: opts.email.toLowerCase() } }
        : isUuid(secretOrId ?? '')
          ? { id: secretOrId }
          : { tokenHash: hashToken(secretOrId ?? '') };
      const tokens = await prisma.apiToken.findMany({
        where: { ...where, revokedAt: null },
        select: { id: true, prefix: true, user: { select: { email: true } } },
      });
      if (!tokens.length) throw new DomainError('NOT_FOUND', 'no unrevoked token matches');
      const now = new Date();
      await prisma.$transaction(async (tx) => {
        await tx.apiToken.updateMany({ where: { id: { in: tokens.map((t) => t.id) } }, data: { revokedAt: now } });
        await appendAudit(
          tx,
          tokens.map((t) => ({
            actorKind: 'SYSTEM' as const,
            actorId: null,
            action: 'token.revoked',
            subjectType: 'ApiToken',
            subjectId: t.id,
            data: { via: 'cli' },
          })),
          now,
        );
      });
      for (const t of tokens) out(`revoked ${t.prefix}… (${t.user?.email ?? 'a reporter token'})`);
    }),
  );

program
  .command('bot')
  .description(
    'Run the Slack bot as its own process (HTTP mode, POST /slack/events), a client of the API at PSIRT_API_URL with the chat-ops token PSIRT_CHAT_OPS_TOKEN. Needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; with REDIS_URL, several bot instances refuse a replayed Slack request together.',
  )
  .option('-p, --port <port>', 'port to listen on (default: PORT or 3000)', parsePort)
  .option('--host <host>', 'interface to bind (default: HOST or 127.0.0.1)')
  .action(async (opts: { port?: number; host?: string }) => {
    const env = botConfigFromEnv(process.env);
    const log = createLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');
    const { startStandaloneBot } = await import('@psirt/bot/standalone');
    const { loadPlugins } = await import('./chatops.ts');
    const running = await startStandaloneBot({
      ...env,
      port: opts.port ?? env.port,
      host: opts.host ?? env.host,
      plugins: await loadPlugins(env.plugins),
      log,
    });
    log.info({ url: running.url }, 'psirt Slack bot listening');
    process.stderr.write(`\n  psirt Slack bot: ${running.url}  (API: ${env.apiUrl})\n  Stop with Ctrl-C.\n\n`);
    const stop = () => {
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

const keys = program.command('keys').description('The PSIRT OpenPGP key (published at /pgp-key.asc)');

keys
  .command('show')
  .description('Print the current public key and its fingerprint.')
  .action(() =>
    withDatabase(async ({ prisma }) => {
      const { currentPublicKey } = await import('./services/keys.ts');
      const key = await currentPublicKey(prisma);
      if (!key)
        throw new DomainError('NOT_FOUND', 'no PSIRT key yet: psirt keys generate, or psirt keys import <file>');
      out(`fingerprint ${key.fingerprint} (since ${key.createdAt.toISOString()})`);
      out(key.armored.trim());
    }),
  );

keys
  .command('generate')
  .description('Generate a new key and make it current; the previous one keeps decrypting for PSIRT_KEY_OVERLAP_DAYS.')
  .action(() =>
    withDatabase(async ({ prisma }, config) => {
      const { generatePsirtKey } = await import('./services/keys.ts');
      const key = await generatePsirtKey(prisma, keyPolicy(config));
      out(`generated ${key.fingerprint}; it is now the current key`);
    }),
  );

keys
  .command('import')
  .description('Import an armoured private key (e.g. from gpg --armor --export-secret-keys) and make it current.')
  .argument('<file>', 'the armoured private key')
  .option('--passphrase-file <file>', "the key's own passphrase, if it has one")
  .action((file: string, opts: { passphraseFile?: string }) =>
    withDatabase(async ({ prisma }, config) => {
      const read = (f: string) => {
        try {
          return readFileSync(f, 'utf8');
        } catch (error) {
          throw new DomainError('VALIDATION', `cannot read ${f}: ${(error as Error).message}`);
        }
      };
      const secret = opts.passphraseFile ? read(opts.passphraseFile).trim() : undefined;
      const { importPsirtKey } = await import('./services/keys.ts');
      const key = await importPsirtKey(prisma, read(file), secret, keyPolicy(config));
      out(`imported ${key.fingerprint}; it is now the current key`);
    }),
  );

const intake = program.command('intake').description('Mail intake: piped mail, the quarantine');

intake
  .command('mail')
  .description(
    'Take one mail (RFC 5322, e.g. piped by your mail server: `| psirt intake mail`) into the PSIRT: a VSR, a reply on one, or the quarantine. Exits 75 (try again later) when it could not be stored.',
  )
  .option('-f, --file <file>', 'read the mail from this file instead of standard input')
  .action(async (opts: { file?: string }) => {
    let raw: Buffer;
    try {
      raw = opts.file ? readFileSync(opts.file) : await readStdin();
    } catch (error) {
      throw new DomainError('VALIDATION', `cannot read ${opts.file ?? 'standard input'}: ${(error as Error).message}`);
    }
    if (raw.length === 0) throw new DomainError('VALIDATION', 'no mail on standard input (pipe one in, or --file)');
    try {
      await withDatabase(async ({ prisma }, config) => {
        const { receiveMail } = await import('./intake/mail.ts');
        const r = await receiveMail(intakeDeps(prisma, config), raw, 'CLI');
        out(describeIntake(r));
      });
    } catch (error) {
      // A mail server retries on EX_TEMPFAIL: nothing is lost while the database is away.
      process.stderr.write(`psirt: the mail was not stored: ${(error as Error).message}\n`);
      process.exit(75);
    }
  });

intake
  .command('list')
  .description('List received mail: by default the quarantine, with each reason.')
  .option('--status <status>', 'QUARANTINED, DISMISSED, RECEIVED or PROCESSED', 'QUARANTINED')
  .action((opts: { status: string }) =>
    withDatabase(async ({ prisma }) => {
      const status = opts.status.toUpperCase();
      if (!['QUARANTINED', 'DISMISSED', 'RECEIVED', 'PROCESSED'].includes(status)) {
        throw new DomainError('VALIDATION', `--status: one of QUARANTINED, DISMISSED, RECEIVED, PROCESSED`);
      }
      const mails = await prisma.inboundMail.findMany({
        where: { status: status as 'QUARANTINED' },
        orderBy: { receivedAt: 'desc' },
        take: 200,
        select: { id: true, receivedAt: true, sender: true, subject: true, reason: true, detail: true },
      });
      for (const m of mails) {
        out(`${m.id}  ${m.receivedAt.toISOString()}  ${m.sender ?? '(no sender)'}  ${JSON.stringify(m.subject ?? '')}`);
        if (m.reason) out(`    ${m.reason}: ${m.detail ?? ''}`);
      }
      out(`${mails.length} mail(s) ${status.toLowerCase()}${mails.length === 200 ? ' (the newest 200)' : ''}`);
    }),
  );

intake
  .command('reprocess')
  .description(
    'Run quarantined mail through intake again (after importing the key it was encrypted to, raising PSIRT_MAIL_MAX_BYTES…).',
  )
  .argument('[id]', 'one mail (as listed); without it, --all')
  .option('--all', 'every quarantined mail, and mail left half-processed by a stopped instance')
  .action((id: string | undefined, opts: { all?: boolean }) =>
    withDatabase(async ({ prisma }, config) => {
      if (!id && !opts.all) throw new DomainError('VALIDATION', 'give a mail id, or --all');
      const deps = intakeDeps(prisma, config);
      // Mail a stopped instance left half-processed counts too (a running API takes it up within minutes).
      const stale = new Date(Date.now() - 10 * 60_000);
      const ids = id
        ? [id]
        : (
            await prisma.inboundMail.findMany({
              where: { OR: [{ status: 'QUARANTINED' }, { status: 'RECEIVED', receivedAt: { lt: stale } }] },
              orderBy: { receivedAt: 'asc' },
              select: { id: true },
            })
          ).map((m) => m.id);
      if (id && !isUuid(id)) throw new DomainError('VALIDATION', `not a mail id: ${id}`);
      let done = 0;
      for (const mailId of ids) {
        const { processMail } = await import('./intake/mail.ts');
        const r = await processMail(deps, mailId);
        done += 1;
        out(`${mailId}: ${describeIntake(r)}${ids.length > 1 ? `  (${done}/${ids.length})` : ''}`);
      }
      if (ids.length === 0) out('nothing to re-process');
    }),
  );

function intakeDeps(prisma: Database['prisma'], config: ApiConfig): IntakeDeps {
  return {
    db: prisma,
    now: () => new Date(),
    requestId: 'cli',
    passphrase: keyPolicy(config).passphrase,
    maxBytes: config.intake.maxBytes,
    log: createLogger('warn'),
  };
}

function describeIntake(r: IntakeResult): string {
  switch (r.outcome) {
    case 'REPORT':
      return `new report ${r.publicId}`;
    case 'MESSAGE':
      return `reply added to ${r.publicId}`;
    case 'QUARANTINED':
      return `quarantined (${r.reason}); see psirt intake list`;
    case 'DUPLICATE':
      return `already received${r.publicId ? ` (${r.publicId})` : ''}: ${r.status.toLowerCase()}`;
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const feeds = program
  .command('feeds')
  .description('Third-party vulnerabilities: CVE feeds, matched against the inventory');

feeds
  .command('import')
  .description(
    'Import third-party vulnerability feeds, then match what is new or changed against every product’s components. Each file or URL may be an NVD CVE API 2.0 response page, a supplier’s CSAF 2.0 advisory (validated: strict schema and mandatory tests) or a CSAF provider’s ROLIE feed (its new entries fetched and checked against their hashes and, when the provider names its keys, their OpenPGP signatures). An NVD API URL is fetched incrementally. Re-importing is idempotent; what is malformed is reported and skipped.',
  )
  .argument(
    '<sources...>',
    'JSON files or URLs (a .json URL is read like a file); or the NVD API’s URL, e.g. https://services.nvd.nist.gov/rest/json/cves/2.0 (with PSIRT_NVD_API_KEY)',
  )
  .action((inputs: string[]) =>
    withDatabase(async ({ prisma }, config) => {
      const only = inputs.length === 1 ? (inputs[0] as string) : null;
      if (only && /^https?:\/\//.test(only) && !/\.json$/i.test(new URL(only).pathname)) {
        let bar: ReturnType<typeof progressBar> | undefined;
        const { syncNvd } = await import('./feeds/fetch.ts');
        const r = await syncNvd(prisma, { baseUrl: only, apiKey: config.feeds.nvd?.apiKey }, new Date(), {
          progress: (done, total) => {
            bar ??= progressBar('records', total);
            bar.update(done);
          },
        });
        bar?.stop();
        out(
          `${r.pages} page(s): ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped.length} skipped`,
        );
        printSkipped(r.skipped);
        out(
          `${r.matched.matches} affected component(s), ${r.matched.created} new assessment(s); next run asks for changes since ${r.until.toISOString()}`,
        );
        return;
      }
      const { importFeedSources, loadFeed } = await import('./feeds/sources.ts');
      const sources = [];
      for (const input of inputs) {
        try {
          sources.push(await loadFeed(input));
        } catch (error) {
          throw new DomainError('VALIDATION', (error as Error).message);
        }
      }
      let bar: ReturnType<typeof progressBar> | undefined;
      let current = '';
      const r = await importFeedSources(prisma, sources, {
        progress: (label, done, total) => {
          if (label !== current) {
            bar?.stop();
            bar = progressBar(label, total);
            current = label;
          }
          bar?.update(done);
        },
      });
      bar?.stop();
      out(`imported: ${r.new} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped.length} skipped`);
      printSkipped(r.skipped);
      out(
        `matched against the inventory: ${r.matched.matches} affected component(s), ${r.matched.created} new assessment(s)`,
      );
    }),
  );

function printSkipped(skipped: readonly { id: string | null; reason: string }[]) {
  for (const s of skipped.slice(0, 20)) out(`  skipped ${s.id ?? '(no id)'}: ${s.reason}`);
  if (skipped.length > 20) out(`  … and ${skipped.length - 20} more skipped`);
}

const sbom = program.command('sbom').description('Product inventory: components per product version');

sbom
  .command('import')
  .description(
    'Replace a product version’s components with those of a CycloneDX JSON SBOM (components still listed keep their assessments), then match them against the CVEs held.',
  )
  .requiredOption('-p, --product <key>', 'the product (its key)')
  .requiredOption('-v, --product-version <version>', 'the product version the SBOM describes')
  .argument('<file>', 'a CycloneDX JSON BOM')
  .action((file: string, opts: { product: string; productVersion: string }) =>
    withDatabase(async ({ prisma }) => {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new DomainError('VALIDATION', `${file}: ${(error as Error).message}`);
      }
      const { importSbom } = await import('./feeds/sbom.ts');
      const { matchInventory } = await import('./feeds/match.ts');
      const r = await importSbom(prisma, opts.product, opts.productVersion, json);
      out(`${opts.product} ${opts.productVersion}: ${r.added} added, ${r.kept} kept, ${r.removed} removed`);
      const matched = await matchInventory(prisma, { productVersionIds: [r.productVersionId] });
      out(`${matched.matches} affected component(s), ${matched.created} new assessment(s)`);
    }),
  );

const vex = program.command('vex').description('VEX documents for products (third-party CVEs)');

vex
  .command('export')
  .description('Print a product’s VEX from its current assessments, as CSAF 2.0 (csaf_vex) or CycloneDX 1.5 JSON.')
  .requiredOption('-p, --product <key>', 'the product (its key)')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['csaf', 'cyclonedx']).default('csaf'))
  .addOption(
    new Option('--tlp <label>', 'the document’s TLP').choices(['WHITE', 'GREEN', 'AMBER', 'RED']).default('AMBER'),
  )
  .action((opts: { product: string; format: 'csaf' | 'cyclonedx'; tlp: 'WHITE' | 'GREEN' | 'AMBER' | 'RED' }) =>
    withDatabase(async ({ prisma }, config) => {
      // The command line is the operator's: it reads every assessment, as the PSIRT does.
      const { productVex } = await import('./services/thirdparty.ts');
      const doc = await productVex(
        {
          db: prisma,
          viewer: { kind: 'user', userId: NIL_UUID, email: '', name: 'psirt CLI', roles: ['ADMIN'], tokenId: NIL_UUID },
          now: () => new Date(),
          policy: { supportContact: config.supportContact, publisher: config.publisher },
        },
        opts.product,
        opts.format === 'csaf' ? 'CSAF' : 'CYCLONEDX',
        opts.tlp,
      );
      out(JSON.stringify(doc, null, 2));
    }),
  );

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
function progressBar(unit: string, total: number) {
  if (!process.stderr.isTTY) return { update: (_n: number) => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `{bar} {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

const slack = program.command('slack').description('Slack chat-ops: who is who');

slack
  .command('link')
  .description('Link a Slack user to a staff user: the bot then acts as that user, with their roles.')
  .requiredOption('-e, --email <email>', 'the staff user')
  .requiredOption(
    '-s, --slack-user <id>',
    'the Slack user id (U…, from the profile’s "Copy member ID")',
    parseSlackUser,
  )
  .action((opts: { email: string; slackUser: string }) =>
    withDatabase(async ({ prisma }) => {
      const email = opts.email.toLowerCase();
      const user = await prisma.user.findUnique({ where: { email }, select: { id: true, slackUserId: true } });
      if (!user) throw new DomainError('NOT_FOUND', `no user ${email}`);
      const holder = await prisma.user.findUnique({ where: { slackUserId: opts.slackUser }, select: { email: true } });
      if (holder && holder.email !== email) {
        throw new DomainError('CONFLICT', `${opts.slackUser} is already linked to ${holder.email}; unlink it first`);
      }
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { slackUserId: opts.slackUser } });
        await appendAudit(
          tx,
          [
            {
              actorKind: 'SYSTEM',
              actorId: null,
              action: 'user.slack.linked',
              subjectType: 'User',
              subjectId: user.id,
              data: { slackUserId: opts.slackUser, previous: user.slackUserId, via: 'cli' },
            },
          ],
          new Date(),
        );
      });
      out(`linked ${opts.slackUser} to ${email}`);
    }),
  );

slack
  .command('unlink')
  .description('Remove the Slack link of a staff user: the bot no longer acts for that Slack user.')
  .requiredOption('-e, --email <email>', 'the staff user')
  .action((opts: { email: string }) =>
    withDatabase(async ({ prisma }) => {
      const email = opts.email.toLowerCase();
      const user = await prisma.user.findUnique({ where: { email }, select: { id: true, slackUserId: true } });
      if (!user?.slackUserId) throw new DomainError('NOT_FOUND', `${email} has no Slack link`);
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { slackUserId: null } });
        await appendAudit(
          tx,
          [
            {
              actorKind: 'SYSTEM',
              actorId: null,
              action: 'user.slack.unlinked',
              subjectType: 'User',
              subjectId: user.id,
              data: { slackUserId: user.slackUserId, via: 'cli' },
            },
          ],
          new Date(),
        );
      });
      out(`unlinked ${user.slackUserId} from ${email}`);
    }),
  );

const audit = program.command('audit').description('The tamper-evident audit log');

audit
  .command('verify')
  .description(
    'Recompute the hash chain; exit 1 if any entry was altered, inserted or deleted. Prints the head: keep it, and pass it with --expect-head next time to detect a deleted tail.',
  )
  .option(
    '--expect-head <seq:hash>',
    'a head printed by an earlier run, which must still be there unchanged',
    parseHead,
  )
  .action((opts: { expectHead?: { seq: string; hash: string } }) =>
    withDatabase(async ({ prisma }) => {
      const progress = process.stderr.isTTY
        ? (n: number) => process.stderr.write(`\rchecked ${n} entries…`)
        : undefined;
      const result = await verifyAuditChain(prisma, { expectHead: opts.expectHead, onProgress: progress });
      if (progress) process.stderr.write('\n');
      for (const p of result.problems.slice(0, 50)) out(`TAMPERED: ${p}`);
      if (result.problems.length > 50) out(`… and ${result.problems.length - 50} more`);
      out(`${result.entries} entries; ${result.ok ? 'chain intact' : `${result.problems.length} problem(s)`}`);
      if (result.head) out(`head: ${result.head.seq}:${result.head.hash}`);
      process.exitCode = result.ok ? 0 : 1;
    }),
  );

function parseHead(value: string): { seq: string; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a head looks like <seq>:<64 hex digits>, as printed by `audit verify`');
  return { seq: m[1] as string, hash: m[2] as string };
}

function parseSlackUser(value: string): string {
  const v = value.trim().toUpperCase();
  if (!/^[UW][A-Z0-9]{6,}$/.test(v)) throw new InvalidArgumentError('a Slack user id looks like U0123ABCD');
  return v;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return n;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return n;
}

try {
  await program.parseAsync(process.argv);
  // `start` keeps running; everything else is done (the Wasm engine may hold the loop open).
  if (program.args[0] !== 'start' && program.args[0] !== 'bot') process.exit(process.exitCode ?? 0);
} catch (error) {
  const known =
    error instanceof DomainError || error instanceof ConfigError || (error as Error)?.name === 'MigrationError';
  process.stderr.write(`psirt: ${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
}
