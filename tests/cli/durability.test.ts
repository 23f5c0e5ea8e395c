// Nothing acknowledged is lost: the server is killed outright (kill -9) in the
// middle of 200 concurrent submissions; after a restart every submission that
// got an answer is there, its reporter token still works, no id was issued
// twice, and the audit chain verifies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gql, psirt, startServer } from '../support/cli.ts';
import { dialect, emptyDatabase } from '../support/db.ts';
import { reportInput, SUBMIT } from '../support/world.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'psirt-durable-'));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(dataDir, { recursive: true, force: true });
});

const TOTAL = 200;
const KILL_AFTER = 60;

describe(`durability under kill -9 (${dialect})`, () => {
  it('keeps every acknowledged write, and the audit chain holds', async () => {
    const empty = await emptyDatabase();
    cleanups.push(empty.drop);
    const env = {
      PSIRT_DATA_DIR: dataDir,
      DATABASE_URL: empty.config.kind === 'postgres' ? empty.config.url : undefined,
      PSIRT_DEMO: '0',
      PSIRT_SUBMISSIONS_PER_HOUR: '100000',
    };
    const server = await startServer(env);
    cleanups.push(async () => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });
    const created = await psirt(['token', 'create', '--role', 'ANALYST', '--email', 'ana@example.com'], env);
    const analyst = /^(psirt_\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(analyst, created.stderr).toBeDefined();

    const acknowledged: { publicId: string; reporterToken: string; title: string }[] = [];
    let killed = false;
    const submit = async (i: number) => {
      const title = `Durable report ${i}`;
      try {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: SUBMIT, variables: { input: reportInput({ title }) } }),
        });
        const body = (await res.json()) as { data?: { submitVulnerabilityReport?: Record<string, string> } };
        const answer = body.data?.submitVulnerabilityReport;
        if (!answer) return;
        acknowledged.push({
          publicId: answer.publicId as string,
          reporterToken: answer.reporterToken as string,
          title,
        });
        if (acknowledged.length >= KILL_AFTER && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch {
        // Cut off by the kill: not acknowledged, so not promised.
      }
    };
    await Promise.all(Array.from({ length: TOTAL }, (_, i) => submit(i)));
    await server.exited;
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acknowledged.length).toBeLessThan(TOTAL);
    // Each answer names its own report.
    expect(new Set(acknowledged.map((a) => a.publicId)).size).toBe(acknowledged.length);

    // The restart takes over the dead server's lock (on PGlite) and finds every acknowledged write.
    const restarted = await startServer(env);
    cleanups.push(async () => {
      if (restarted.child.exitCode === null) await restarted.stop();
    });
    const listed = await gql(
      restarted.url,
      `{ reports(first: ${TOTAL}) { totalCount edges { node { publicId title } } } }`,
      analyst,
    );
    expect(listed.body.errors).toBeUndefined();
    const stored = new Map<string, string>(
      listed.body.data.reports.edges.map((e: { node: { publicId: string; title: string } }) => [
        e.node.publicId,
        e.node.title,
      ]),
    );
    const lost = acknowledged.filter((a) => stored.get(a.publicId) !== a.title);
    expect(lost, `${lost.length} of ${acknowledged.length} acknowledged writes lost`).toEqual([]);
    // What was stored but never answered is whole too (a title per id, no duplicates).
    expect(stored.size).toBe(listed.body.data.reports.totalCount);
    // The reporter's token, the one answer a reporter needs, still opens the report.
    for (const a of acknowledged.slice(0, 20)) {
      const own = await gql(restarted.url, `{ report(publicId: "${a.publicId}") { title } }`, a.reporterToken);
      expect(own.body.data?.report, a.publicId).toEqual({ title: a.title });
    }
    process.stderr.write(
      `durability: ${acknowledged.length} acknowledged, ${stored.size} stored, ${lost.length} lost\n`,
    );
    const audit = await psirt(['audit', 'verify'], env);
    expect(audit.stdout).toMatch(/chain intact/);
    expect(audit.code).toBe(0);
    expect(await restarted.stop()).toBe(0);
  }, 240_000);
});
