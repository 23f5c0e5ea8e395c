// The psirt command-line tool: help on every command, tokens, migrations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, psirt, startServer } from '../support/cli.ts';
import { dialect, emptyDatabase } from '../support/db.ts';
import { startFakeCveServices } from '../support/fake-cve-services.ts';

let env: Record<string, string | undefined>;
let drop: () => Promise<void>;
const dataDir = mkdtempSync(path.join(tmpdir(), 'psirt-cli-'));

beforeAll(async () => {
  const empty = await emptyDatabase();
  drop = empty.drop;
  env = {
    PSIRT_DATA_DIR: dataDir,
    PSIRT_DEMO: '0',
    DATABASE_URL: empty.config.kind === 'postgres' ? empty.config.url : undefined,
  };
});
afterAll(async () => {
  await drop?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`psirt CLI (${dialect})`, () => {
  it('has --help on every command', async () => {
    const top = await psirt(['--help'], {});
    expect(top.code).toBe(0);
    for (const cmd of ['start', 'db', 'token']) expect(top.stdout).toContain(cmd);
    // Side by side: each is a process start, and they do not depend on each other.
    const commands = [
      ['start'],
      ['db', 'migrate'],
      ['db', 'diff'],
      ['db', 'status'],
      ['token', 'create'],
      ['intake', 'mail'],
      ['intake', 'reprocess'],
      ['feeds', 'import'],
      ['sbom', 'import'],
      ['vex', 'export'],
      ['cve', 'record'],
      ['cve', 'reserve'],
      ['cve', 'publish'],
      ['cve', 'reject'],
      ['cve', 'quota'],
      ['cra', 'export'],
      ['bot'],
    ];
    const results = await Promise.all(commands.map((args) => psirt([...args, '--help'], {})));
    results.forEach((res, i) => {
      expect(res.code, commands[i]?.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/^Usage: psirt /);
    });
    // The bot's help covers both ways of reaching Slack.
    expect(results.at(-1)?.stdout).toContain('SLACK_APP_TOKEN (Socket Mode');
  });

  it('says what is wrong with bad input, without a stack trace', async () => {
    const badRole = await psirt(['token', 'create', '--role', 'WIZARD'], env);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/WIZARD.*invalid|invalid.*WIZARD/i);
    expect(badRole.stderr).toContain('ADMIN');
    const nothing = await psirt(['token', 'create'], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr.trim()).toBe('psirt: give --role, --email, or both');
    const badPort = await psirt(['start', '--port', 'eighty'], env);
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toContain('a port is a number from 0 to 65535');
    const badUrl = await psirt(['db', 'status'], { ...env, DATABASE_URL: 'mysql://x' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('DATABASE_URL must be a postgres://');
    // Settings are named, with what was given and what is wanted.
    const portEnv = await psirt(['start'], { ...env, PORT: 'abc' });
    expect(portEnv.stderr).toContain('PORT: a whole number from 0 to 65535, not "abc"');
    const host = await psirt(['start'], { ...env, PORT: '0', HOST: '999.1.1.1' });
    expect(host.code).toBe(1);
    expect(host.stderr).toMatch(/^psirt: HOST=999\.1\.1\.1: not a name or address this machine can resolve/m);
    const closed = await psirt(['db', 'status'], { ...env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/psirt' });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('DATABASE_URL: nothing answers at 127.0.0.1:1: is PostgreSQL running there?');
    const email = await psirt(['token', 'create', '--role', 'ADMIN', '--email', 'notanemail'], env);
    expect(email.code).not.toBe(0);
    expect(email.stderr).toContain('an e-mail address, like ana@example.com');
    // TLP 2.0 names, as in the API; TLP 1.0's WHITE still taken (as CLEAR).
    const purple = await psirt(['vex', 'export', '-p', 'rtu', '--tlp', 'PURPLE'], env);
    expect(purple.stderr).toContain('one of CLEAR, GREEN, AMBER, AMBER_STRICT, RED');
    const white = await psirt(['vex', 'export', '-p', 'no-such-product', '--tlp', 'white'], env);
    expect(white.stderr).not.toContain('--tlp');
    // Nothing is migrated yet: said so, with what to run.
    expect(white.stderr).toContain('psirt: the database has no schema yet: run `npm run db:migrate`');
    const version = await psirt(['--version'], {});
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const all = [badRole, nothing, badUrl, portEnv, host, closed, email, white].map((r) => r.stderr).join('');
    expect(all).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it.runIf(process.env.DATABASE_URL)('names a PostgreSQL database that does not exist', async () => {
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = '/psirt_no_such_database';
    const r = await psirt(['start'], { ...env, PORT: '0', DATABASE_URL: url.toString() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'DATABASE_URL: the database "psirt_no_such_database" does not exist on 127.0.0.1:5432: create it (createdb psirt_no_such_database)',
    );
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('migrates, reports the status, and issues tokens that work', async () => {
    const pending = await psirt(['db', 'status'], env);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toMatch(/_init\s+pending/);
    const migrate = await psirt(['db', 'migrate'], env);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(
      /applied 24: \d+_init, \d+_case_workflow, \d+_case_severity, \d+_advisory_lifecycle, \d+_mailing_list, \d+_chat_ops_role, \d+_psirt_keys, \d+_mail_intake, \d+_third_party_feeds, \d+_supplier_advisories, \d+_slack_deliveries, \d+_unverified_text, \d+_ignored_mail, \d+_attachment_signature, \d+_mail_chunks, \d+_case_order_indexes, \d+_auth_change_notify, \d+_cve_services, \d+_exploit_signals, \d+_vex_history, \d+_cra_art14, \d+_idempotent_answer, \d+_used_form_token, \d+_drop_auth_change_notify/,
    );
    expect((await psirt(['db', 'migrate'], env)).stdout).toContain('already up to date');
    const status = await psirt(['db', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/_init\s+applied/);
    expect(status.stdout).toContain('up to date');

    const created = await psirt(
      ['token', 'create', '--role', 'ADMIN', '--email', 'Lead@Example.com', '--name', 'PSIRT Lead'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created user lead@example.com (ADMIN)');
    const token = /^(psirt_\S+)$/m.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    // An existing user gains the role asked for.
    const again = await psirt(['token', 'create', '--email', 'lead@example.com', '--role', 'AUDITOR'], env);
    expect(again.stdout).toContain('user lead@example.com (ADMIN, AUDITOR)');
    // The PSIRT OpenPGP key: none until generated (npm start generates one on first start).
    expect((await psirt(['keys', 'show'], env)).stderr).toContain('no PSIRT key yet');
    const generated = await psirt(['keys', 'generate'], env);
    const fingerprint = /^generated ([0-9A-F]{40}); it is now the current key$/m.exec(generated.stdout)?.[1];
    expect(fingerprint, generated.stderr).toBeDefined();
    const shown = await psirt(['keys', 'show'], env);
    expect(shown.stdout).toContain(`fingerprint ${fingerprint}`);
    expect(shown.stdout).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    // The stored keys' passphrase was made in the data directory, for its owner only.
    const { statSync } = await import('node:fs');
    expect(statSync(`${env.PSIRT_DATA_DIR}/key-passphrase`).mode & 0o777).toBe(0o600);

    // Slack chat-ops acts as the linked user.
    const linked = await psirt(['slack', 'link', '--email', 'lead@example.com', '--slack-user', 'u0lead01'], env);
    expect(linked.stdout).toContain('linked U0LEAD01 to lead@example.com');
    expect(
      (await psirt(['slack', 'link', '--email', 'lead@example.com', '--slack-user', 'nope'], env)).stderr,
    ).toContain('a Slack user id looks like U0123ABCD');

    const server = await startServer(env);
    try {
      const res = await gql(server.url, '{ viewer { name roles } }', token);
      expect(res.body).toEqual({ data: { viewer: { name: 'PSIRT Lead', roles: ['ADMIN', 'AUDITOR'] } } });
      // Revoked from the command line while the server runs (on PGlite, the server carries it out): refused at once.
      const revoked = await psirt(['token', 'revoke', token as string], env);
      expect(revoked.stdout).toMatch(/^revoked psirt_\S+… \(lead@example\.com\)$/m);
      expect((await psirt(['token', 'revoke', token as string], env)).stderr).toContain('no unrevoked token matches');
      expect((await gql(server.url, '{ viewer { name } }', token)).status).toBe(401);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Some twenty process starts, a key generation and a server start: slow on a busy 2-core machine.
  }, 300_000);

  it('takes piped mail: a VSR; what it cannot read waits in the quarantine; no database means try again later', async () => {
    // The database was migrated and keyed by the test before.
    const mail = (id: string, subject: string, body: string) =>
      `From: Ann <ann@research.example.org>\r\nTo: psirt@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.org>\r\n\r\n${body}\r\n`;
    const first = await psirt(['intake', 'mail'], env, mail('cli-1', 'Piped report', 'Found by our scanner.'));
    expect(first.stdout.trim(), first.stderr).toMatch(/^new report VSR-\d{4}-\d{4}$/);
    const garbage = mail(
      'cli-2',
      'Unreadable',
      '-----BEGIN PGP MESSAGE-----\r\n\r\nbm9wZQ==\r\n-----END PGP MESSAGE-----',
    );
    const quarantined = await psirt(['intake', 'mail'], env, garbage);
    expect(quarantined.code).toBe(0);
    expect(quarantined.stdout.trim()).toBe('quarantined (UNREADABLE_PGP); see psirt intake list');
    const listed = await psirt(['intake', 'list'], env);
    expect(listed.stdout).toContain('ann@research.example.org  "Unreadable"');
    expect(listed.stdout).toMatch(/^ {4}UNREADABLE_PGP: /m);
    expect(listed.stdout).toContain('1 mail(s) quarantined');

    const empty = await psirt(['intake', 'mail'], env, '');
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe('psirt: no mail on standard input (pipe one in, or --file)');
    // No database: the mail server is told to try again later (EX_TEMPFAIL), nothing is lost.
    const down = await psirt(
      ['intake', 'mail'],
      { ...env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' },
      mail('cli-3', 'x', 'y'),
    );
    expect(down.code).toBe(75);
    expect(down.stderr).toContain('psirt: the mail was not stored:');
  });

  it('imports feeds with a summary: NVD pages and suppliers’ CSAF advisories, what was skipped and why', async () => {
    expect((await psirt(['db', 'migrate'], env)).code).toBe(0);
    const r = await psirt(
      [
        'feeds',
        'import',
        'tests/fixtures/nvd/page-1.json',
        'tests/fixtures/csaf/acme-sa-2026-001.json',
        'tests/fixtures/csaf/acme-sa-2026-002-invalid.json',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    // NVD: 3 new and a malformed record; the advisory: 2 new CVEs and its word on one NVD has.
    expect(r.stdout.split('\n')).toEqual([
      'NVD (4 records): 3 new, 0 updated, 0 unchanged, 1 skipped',
      'CSAF advisories (2): 2 new, 1 updated, 0 unchanged, 2 skipped',
      'imported: 5 new, 1 updated, 0 unchanged, 3 skipped',
      '  skipped CVE-2024-99999: published: Invalid input: expected string, received undefined',
      '  skipped tests/fixtures/csaf/acme-sa-2026-001.json: 1 vulnerability(ies) without a CVE id',
      '  skipped tests/fixtures/csaf/acme-sa-2026-002-invalid.json: not a valid CSAF 2.0 document: mandatoryTest_6_1_1: /vulnerabilities/0/product_status/known_affected/1 definition of product id missing',
      'matched against the inventory: 0 affected component(s), 0 new assessment(s)',
      '',
    ]);
  });
});

describe(`psirt cve (${dialect})`, () => {
  it('asks CVE Services for the quota, and says what is missing or wrong', async () => {
    const fake = await startFakeCveServices({ quota: 42 });
    expect((await psirt(['db', 'migrate'], env)).code).toBe(0);
    try {
      const cve = {
        PSIRT_CVE_API_URL: fake.url,
        PSIRT_CVE_ORG: fake.org,
        PSIRT_CVE_ORG_ID: 'b3476cb9-2e3d-41a6-98d0-0f47421a65b6',
        PSIRT_CVE_USER: fake.user,
      };
      const quota = await psirt(['cve', 'quota'], { ...env, ...cve, PSIRT_CVE_API_KEY: fake.apiKey });
      expect(quota.stderr).toBe('');
      expect(quota.stdout).toBe(`quota 42, reserved 0, available 42 (${fake.url})\n`);
      const badKey = await psirt(['cve', 'quota'], { ...env, ...cve, PSIRT_CVE_API_KEY: 'not-the-key' });
      expect(badKey.code).not.toBe(0);
      expect(badKey.stderr).toContain('CVE Services answered 401 UNAUTHORIZED: Unauthorized');
      expect(badKey.stderr).not.toMatch(/\n\s+at /);
      const half = await psirt(['cve', 'quota'], { ...env, PSIRT_CVE_USER: fake.user });
      expect(half.code).not.toBe(0);
      expect(half.stderr).toContain(
        'CVE Services needs PSIRT_CVE_ORG, PSIRT_CVE_ORG_ID, PSIRT_CVE_USER and PSIRT_CVE_API_KEY',
      );
      const noCase = await psirt(['cve', 'reserve', 'VAR-1999-0001'], {
        ...env,
        ...cve,
        PSIRT_CVE_API_KEY: fake.apiKey,
      });
      expect(noCase.code).not.toBe(0);
      expect(noCase.stderr).toContain('No case VAR-1999-0001.');
    } finally {
      await fake.close();
    }
  });
});

describe('the root scripts', () => {
  it('`npm run psirt -- …` reaches the CLI through the bootstrap', async () => {
    const { spawnSync } = await import('node:child_process');
    const { repoRoot } = await import('../support/cli.ts');
    const res = spawnSync(process.execPath, ['scripts/bootstrap.mjs', 'psirt', 'token', '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('Usage: psirt token');
  });
});
