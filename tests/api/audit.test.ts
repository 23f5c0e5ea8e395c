// The audit log: every change and every read of a confidential identity is
// recorded, hash-chained, readable by auditors, and `psirt audit verify`
// notices an edited or deleted row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendAuditNow, databaseConfigFromEnv, openDatabase, verifyAuditChain } from '@psirt/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { psirt } from '../support/cli.ts';
import { dialect, emptyDatabase } from '../support/db.ts';
import { makeWorld, openCase, reportInput, SUBMIT, type World } from '../support/world.ts';

let app: TestApp;
let w: World;

beforeAll(async () => {
  app = await startTestApp({ submissionsPerHour: 1000 });
  w = await makeWorld(app);
});
afterAll(() => app?.[Symbol.asyncDispose]());

const LOG = `query($action: String) { auditLog(first: 100, action: $action) { edges { node { seq action actorKind actorId subjectType subjectId data prevHash hash } } } }`;
const entries = async (action?: string) =>
  ((await w.auditor.gql(LOG, { action })).data?.auditLog.edges ?? []).map((e: any) => e.node);

describe(`audit log (${dialect})`, () => {
  it('records every change with actor, target and what changed, chained newest to oldest', async () => {
    const { caseId } = await openCase(app, w);
    await w.gridSpecialist.gql(
      `mutation { setProductImpact(input: { caseId: "${caseId}", product: "gateway", status: AFFECTED }) { id } }`,
    );
    await w.gridPrime.gql(`mutation { transitionCase(caseId: "${caseId}", to: REMEDIATION) { id } }`);
    const log = await entries();
    const actions = log.map((e: any) => e.action).reverse();
    expect(actions).toEqual([
      'report.submitted',
      'report.triaged',
      'case.opened',
      'case.impact.changed',
      'case.transitioned',
    ]);
    const transition = log[0];
    expect(transition).toMatchObject({
      actorKind: 'USER',
      actorId: w.gridPrime.userId,
      subjectType: 'AnalysisCase',
      data: { from: 'ANALYSIS', to: 'REMEDIATION' },
    });
    expect(log.find((e: any) => e.action === 'case.impact.changed').data).toMatchObject({
      product: 'gateway',
      status: { from: 'UNDER_INVESTIGATION', to: 'AFFECTED' },
    });
    expect(log.find((e: any) => e.action === 'report.submitted').actorKind).toBe('ANONYMOUS');
    for (let i = 0; i < log.length - 1; i++) expect(log[i].prevHash).toBe(log[i + 1].hash);
  });

  it('records nothing for a change that was refused', async () => {
    const before = (await entries()).length;
    const { caseId } = { caseId: (await entries('case.opened'))[0].subjectId };
    const refused = await w.analyst.gql(
      `mutation { transitionCase(caseId: "${Buffer.from(`AnalysisCase:${caseId}`).toString('base64')}", to: CLOSED) { id } }`,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    expect((await entries()).length).toBe(before);
  });

  it("audits each read of a confidential reporter's identity, once per reporter per request", async () => {
    const confidential = await app.anonymous.gql(SUBMIT, { input: reportInput() });
    await app.anonymous.gql(SUBMIT, {
      input: reportInput({ reporter: { name: 'Open Olga', email: 'olga@example.org', confidential: false } }),
    });
    expect(confidential.errors).toBeUndefined();
    const before = (await entries('reporter.identity.read')).length;
    const res = await w.analyst.gql('{ reporters(first: 50) { edges { node { name email confidential } } } }');
    const confidentialCount = res.data?.reporters.edges.filter((e: any) => e.node.confidential).length;
    expect(confidentialCount).toBeGreaterThan(0);
    const reads = await entries('reporter.identity.read');
    expect(reads.length - before).toBe(confidentialCount);
    expect(reads[0]).toMatchObject({ actorKind: 'USER', actorId: w.analyst.userId, subjectType: 'Reporter' });
    // Reading other fields, or a non-confidential reporter, is not an identity read.
    await w.analyst.gql('{ reporters(first: 50) { edges { node { kind confidential } } } }');
    expect((await entries('reporter.identity.read')).length).toBe(reads.length);

    // Concurrent readers share audit transactions (group commit); nothing is lost and the chain holds.
    await Promise.all(
      Array.from({ length: 8 }, () => w.analyst.gql('{ reporters(first: 50) { edges { node { name } } } }')),
    );
    const total = await app.db.prisma.auditLog.count({ where: { action: 'reporter.identity.read' } });
    expect(total).toBe(reads.length + 8 * confidentialCount);
    expect((await verifyAuditChain(app.db.prisma)).ok).toBe(true);
  });
});

describe(`psirt audit verify (${dialect})`, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'psirt-audit-'));
  let env: Record<string, string | undefined>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const empty = await emptyDatabase();
    drop = empty.drop;
    env = {
      PSIRT_DATA_DIR: dataDir,
      DATABASE_URL: empty.config.kind === 'postgres' ? empty.config.url : undefined,
    };
    expect((await psirt(['db', 'migrate'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs SQL on the CLI's database as someone who can switch the append-only trigger off. */
  async function tamper(sql: string) {
    const db = await openDatabase(databaseConfigFromEnv(env as NodeJS.ProcessEnv));
    try {
      await db.prisma.$executeRawUnsafe('ALTER TABLE "audit_log" DISABLE TRIGGER "audit_log_append_only"');
      await db.prisma.$executeRawUnsafe(sql);
      await db.prisma.$executeRawUnsafe('ALTER TABLE "audit_log" ENABLE TRIGGER "audit_log_append_only"');
    } finally {
      await db.close();
    }
  }

  it('passes an intact chain and prints its head, then catches an edit, a deletion and a cut tail', async () => {
    const db = await openDatabase(databaseConfigFromEnv(env as NodeJS.ProcessEnv));
    try {
      for (let i = 1; i <= 6; i++) {
        await appendAuditNow(db.prisma, {
          actorKind: 'SYSTEM',
          action: 'test.step',
          subjectType: 'Test',
          subjectId: String(i),
          data: { i },
        });
      }
      // The database itself refuses changes while the trigger is on.
      await expect(db.prisma.$executeRawUnsafe('DELETE FROM "audit_log"')).rejects.toThrow(/append-only/);
    } finally {
      await db.close();
    }
    const intact = await psirt(['audit', 'verify'], env);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('6 entries; chain intact');
    const head = /head: (\d+:[0-9a-f]{64})/.exec(intact.stdout)?.[1] as string;
    expect(head).toMatch(/^6:/);

    await tamper(`UPDATE "audit_log" SET "data" = '{"i": 99}' WHERE "seq" = 3`);
    const edited = await psirt(['audit', 'verify'], env);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('TAMPERED: entry 3: its content does not match its hash (edited)');

    await tamper(`UPDATE "audit_log" SET "data" = '{"i": 3}' WHERE "seq" = 3`);
    expect((await psirt(['audit', 'verify'], env)).code).toBe(0);

    await tamper(`DELETE FROM "audit_log" WHERE "seq" = 4`);
    const deleted = await psirt(['audit', 'verify'], env);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain('TAMPERED: entry 5: its previous-hash does not match');

    // A cut tail leaves a valid shorter chain: only the recorded head shows it.
    await tamper(`DELETE FROM "audit_log" WHERE "seq" = 6`);
    const cut = await psirt(['audit', 'verify', '--expect-head', head], env);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('the recorded head entry 6 is gone');

    const bad = await psirt(['audit', 'verify', '--expect-head', 'nonsense'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('a head looks like <seq>:<64 hex digits>');
  });
});
