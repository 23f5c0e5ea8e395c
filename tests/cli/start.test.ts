// `psirt start` as a newcomer runs it: a real process on an empty database.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, psirt, startServer } from '../support/cli.ts';
import { csafProblems } from '../support/csaf.ts';
import { cveProblems, cveSchemasMissing } from '../support/cve.ts';
import { dialect, emptyDatabase } from '../support/db.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'psirt-start-'));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

const COUNTS = '{ productLines { key } reporters(first: 10) { edges { node { name } } } }';

describe(`psirt start on an empty database (${dialect})`, () => {
  it('migrates, loads the demo, serves GraphQL with working demo tokens, and stops cleanly on SIGTERM', async () => {
    const empty = await emptyDatabase();
    cleanups.push(empty.drop);
    const env = {
      PSIRT_DATA_DIR: dataDir,
      DATABASE_URL: empty.config.kind === 'postgres' ? empty.config.url : undefined,
    };

    const first = await startServer(env);
    expect(first.url).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
    expect(Object.keys(first.tokens).sort()).toEqual(
      [
        'ADMIN',
        'ANALYST',
        'AUDITOR',
        'COMMITTEE_MEMBER',
        'INTEGRATOR',
        'PRODUCT_SECURITY_PRIME',
        'PRODUCT_SECURITY_SPECIALIST',
      ].sort(),
    );
    expect((await fetch(`${first.origin}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${first.origin}/readyz`)).json()).toEqual({ status: 'ready' });
    const before = await gql(first.url, COUNTS, first.tokens.ANALYST);
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.productLines).toHaveLength(3);
    expect(before.body.data.reporters.edges.map((e: { node: { name: string } }) => e.node.name).sort()).toEqual([
      'Dana Researcher',
      'Incident desk',
    ]);
    // The demo shows the whole advisory path: one published (website, CSAF), one before the committee.
    const site = await (await fetch(`${first.origin}/advisories`)).text();
    expect(site).toContain('RTU500: denial of service through malformed MMS requests');
    const advisories = await gql(
      first.url,
      '{ advisories(first: 5) { edges { node { publicId state csaf tally { missing } } } } }',
      first.tokens.COMMITTEE_MEMBER,
    );
    const [review, published] = advisories.body.data.advisories.edges.map((e: { node: unknown }) => e.node);
    expect(review).toMatchObject({ state: 'IN_REVIEW', csaf: null, tally: { missing: 1 } });
    expect(published).toMatchObject({ state: 'PUBLISHED' });
    expect(await csafProblems(published.csaf)).toEqual([]);
    // Its CVE, as this CNA's record: valid, from GraphQL and from the command line.
    const cve = await gql(
      first.url,
      '{ cveRecord(cveId: "CVE-2026-0101") { json cnaContainer publishable blockers } }',
      first.tokens.ANALYST,
    );
    expect(cve.body.errors).toBeUndefined();
    // Valid, but not publishable: the demo sets no CNA organisation or CVE Services credentials, and says so.
    expect(cve.body.data.cveRecord).toMatchObject({ publishable: false });
    expect(cve.body.data.cveRecord.blockers).toEqual([
      expect.stringMatching(/organisation UUID is not set/),
      expect.stringMatching(/CVE Services credentials are not set/),
    ]);
    if (!cveSchemasMissing) expect(cveProblems('record', cve.body.data.cveRecord.json)).toEqual([]);
    const printed = await psirt(['cve', 'record', 'cve-2026-0101', '--container'], env);
    // The record on stdout; why it may not be sent yet, on stderr.
    expect(printed.stderr).toMatch(/^note: The CNA's organisation UUID is not set/m);
    expect(JSON.parse(printed.stdout)).toEqual(cve.body.data.cveRecord.cnaContainer);
    // A CRA Art. 14 notification runs on the third case: its early warning is overdue, here and at the command line.
    const cra = await gql(
      first.url,
      '{ craNotifications(overdue: true) { handle next { stage overdue } } }',
      first.tokens.ANALYST,
    );
    expect(cra.body.data.craNotifications).toEqual([
      { handle: expect.stringMatching(/^VAR-\d{4}-0003\/exploited$/), next: { stage: 'EARLY_WARNING', overdue: true } },
    ]);
    const handle = cra.body.data.craNotifications[0].handle;
    expect((await psirt(['cra', 'list'], env)).stdout).toMatch(new RegExp(`^${handle}\tearly warning OVERDUE since `));
    const exported = await psirt(['cra', 'export', handle, '--stage', 'notification', '--format', 'json'], env);
    expect(JSON.parse(exported.stdout)).toMatchObject({
      format: 'psirt-cra-art14/1',
      article: 'Art. 14(2)(b)',
      fields: {
        userMeasures: [
          'IS-24 Industrial Switch: restriction — Reach the management interface only from a dedicated management VLAN.',
        ],
      },
    });
    // The demo sets no main establishment: the draft says so rather than guess.
    expect(exported.stderr).toContain(
      'note: missing mainEstablishment, coordinatorCsirt, correctiveMeasuresTaken, sensitivity',
    );
    // GraphiQL for a browser.
    const page = await fetch(first.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('<title>psirt GraphQL API</title>');
    // Demo tokens are kept private on disk.
    expect(statSync(path.join(dataDir, 'demo-tokens.json')).mode & 0o077).toBe(0);
    expect(await first.stop()).toBe(0);
    expect(first.output().stdout).toContain('"msg":"stopped"');

    // Restart: the same data, the same tokens, no second demo.
    const second = await startServer(env);
    cleanups.push(async () => {
      if (second.child.exitCode === null) await second.stop();
    });
    expect(second.tokens).toEqual(first.tokens);
    expect(second.output().stdout).toContain('database schema up to date');
    expect(second.output().stdout).not.toContain('demo dataset loaded');
    const after = await gql(second.url, COUNTS, second.tokens.ANALYST);
    expect(after.body.data).toEqual(before.body.data);
    expect(await second.stop()).toBe(0);
  });

  it('starts without demo data when PSIRT_DEMO=0, and prints no tokens', async () => {
    const empty = await emptyDatabase();
    cleanups.push(empty.drop);
    const dir = mkdtempSync(path.join(tmpdir(), 'psirt-nodemo-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const server = await startServer({
      PSIRT_DATA_DIR: dir,
      PSIRT_DEMO: '0',
      DATABASE_URL: empty.config.kind === 'postgres' ? empty.config.url : undefined,
    });
    expect(server.tokens).toEqual({});
    expect(server.output().stderr).not.toMatch(/psirt_[\w-]{43}/);
    // The banner says how to get a first token (on PostgreSQL, for the same database).
    expect(server.output().stderr).toContain('npm run psirt -- token create --role ADMIN --email you@example.com');
    if (empty.config.kind === 'postgres') expect(server.output().stderr).toContain("DATABASE_URL='postgresql://");
    expect((await gql(server.url, '{ viewer { id } }')).body).toEqual({ data: { viewer: null } });
    expect(await server.stop()).toBe(0);
  });
});

describe.runIf(process.env.DATABASE_URL)('several instances starting together on one PostgreSQL database', () => {
  it('migrate and seed once, and all become ready', async () => {
    const empty = await emptyDatabase();
    cleanups.push(empty.drop);
    const dirs = [0, 1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'psirt-multi-')));
    cleanups.push(async () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    const url = empty.config.kind === 'postgres' ? empty.config.url : undefined;
    const servers = await Promise.all(dirs.map((d) => startServer({ PSIRT_DATA_DIR: d, DATABASE_URL: url })));
    try {
      const logs = servers.map((s) => s.output().stdout);
      expect(logs.filter((l) => l.includes('"msg":"migrations applied"'))).toHaveLength(1);
      expect(logs.filter((l) => l.includes('demo dataset loaded'))).toHaveLength(1);
      for (const s of servers) {
        expect(await (await fetch(`${s.origin}/readyz`)).json()).toEqual({ status: 'ready' });
        const res = await gql(s.url, '{ productLines { key } }', s.tokens.ADMIN);
        expect(res.body.data.productLines).toHaveLength(3);
      }
    } finally {
      for (const s of servers) expect(await s.stop()).toBe(0);
    }
  });
});
