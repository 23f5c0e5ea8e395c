// Every request asks the database who its token belongs to (one prepared
// statement, api/src/auth.ts): nothing about tokens is kept in memory, so a
// revocation, a disabled user or changed roles apply to the very next request,
// on every instance. The changes are made the way another process would make
// them: plain SQL on a connection of its own, or through another instance.
import { issueUserToken } from '@psirt/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialect, onPostgres } from '../support/db.ts';

let app: TestApp;
/** SQL from outside the API: another connection on PostgreSQL; on PGlite (one process) the instance itself. */
let sql: (text: string, params: unknown[]) => Promise<void>;
let outside: pg.Client | undefined;

beforeAll(async () => {
  app = await startTestApp();
  const adapter = app.db.adapter;
  if (onPostgres && adapter.config.kind === 'postgres') {
    outside = new pg.Client({ connectionString: adapter.config.url });
    await outside.connect();
    const client = outside;
    sql = async (text, params) => void (await client.query(text, params));
  } else {
    const pglite = adapter.pglite;
    if (!pglite) throw new Error('no PGlite handle');
    sql = async (text, params) => void (await pglite.query(text, params));
  }
});
afterAll(async () => {
  await outside?.end();
  await app?.[Symbol.asyncDispose]();
});

async function analystToken(email: string, on = app) {
  const user = await on.db.prisma.user.create({ data: { email, name: email, roles: ['ANALYST'] } });
  const token = await issueUserToken(on.db.prisma, { userId: user.id, name: 'token test' });
  return { user, token, client: on.client(token.secret) };
}

const tokenLookups = (on = app) => on.db.queries.filter((q) => q.includes('"api_token" t LEFT JOIN "user"')).length;
const viewer = '{ viewer { email } }';

describe(`the token check (${dialect})`, () => {
  it('asks the database at every request, in one statement', async () => {
    const { client } = await analystToken('every@test.example');
    const before = tokenLookups();
    for (let i = 0; i < 5; i++) expect((await client.gql(viewer)).status).toBe(200);
    expect(tokenLookups() - before).toBe(5);
  });

  it('refuses a token revoked outside the API at the next request', async () => {
    const { client, token } = await analystToken('revoked@test.example');
    expect((await client.gql(viewer)).status).toBe(200);
    await sql('UPDATE api_token SET revoked_at = now() WHERE id = $1::uuid', [token.id]);
    const next = await client.gql(viewer);
    expect(next.status).toBe(401);
    expect(next.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses the tokens of a user disabled outside the API, and applies changed roles, at the next request', async () => {
    const a = await analystToken('disabled@test.example');
    const b = await analystToken('demoted@test.example');
    // Analysts may list reporters; a user without roles may not.
    const reporters = '{ reporters(first: 1) { edges { node { id } } } }';
    expect((await a.client.gql(reporters)).errors).toBeUndefined();
    expect((await b.client.gql(reporters)).errors).toBeUndefined();

    await sql('UPDATE "user" SET disabled_at = now() WHERE id = $1::uuid', [a.user.id]);
    expect((await a.client.gql(reporters)).status).toBe(401);

    await sql(`UPDATE "user" SET roles = '{}' WHERE id = $1::uuid`, [b.user.id]);
    expect((await b.client.gql(reporters)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a deleted token at the next request', async () => {
    const { client, token } = await analystToken('deleted@test.example');
    expect((await client.gql(viewer)).status).toBe(200);
    await sql('DELETE FROM api_token WHERE id = $1::uuid', [token.id]);
    expect((await client.gql(viewer)).status).toBe(401);
  });

  it('records a token’s last use at most once a minute, off the request', async () => {
    const { client, token } = await analystToken('touched@test.example');
    const lastUsed = async () =>
      (await app.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt?.getTime() ?? 0;
    const writes = () => app.db.queries.filter((q) => /UPDATE\b.*"api_token"/s.test(q)).length;
    expect((await client.gql(viewer)).status).toBe(200);
    await expect.poll(lastUsed).toBeGreaterThan(0);
    const first = await lastUsed();
    const before = writes();
    for (let i = 0; i < 3; i++) expect((await client.gql(viewer)).status).toBe(200);
    // A minute later by the server's clock, the next request records it again: the one write since the first.
    app.advanceClock(61_000);
    expect((await client.gql(viewer)).status).toBe(200);
    await expect.poll(lastUsed).toBeGreaterThan(first);
    expect(writes() - before).toBe(1);
  });
});

describe.runIf(onPostgres)('a second instance (PostgreSQL)', () => {
  let second: TestApp;
  beforeAll(async () => {
    second = await startTestApp({ secondInstanceOf: app });
  });
  afterAll(() => second?.[Symbol.asyncDispose]());

  it('refuses a token revoked on the other instance at its next request', async () => {
    const { client, token } = await analystToken('two@test.example');
    const onSecond = second.client(token.secret);
    expect((await client.gql(viewer)).status).toBe(200);
    expect((await onSecond.gql(viewer)).status).toBe(200);
    // Revoked through the first instance's own connections (as `psirt token revoke` would).
    await app.db.prisma.apiToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    expect((await onSecond.gql(viewer)).status).toBe(401);
  });

  it('refuses a reporter token rotated through the other instance’s API at its next request', async () => {
    const submitted = await app.anonymous.gql<{ submitVulnerabilityReport: { reporterToken: string } }>(
      `mutation { submitVulnerabilityReport(input: { title: "Rotate me", description: "A report whose link leaked.",
         reporter: { email: "leak@test.example" } }) { reporterToken } }`,
    );
    const old = submitted.data?.submitVulnerabilityReport.reporterToken as string;
    const reports = '{ reports(first: 1) { edges { node { publicId } } } }';
    expect((await second.client(old).gql(reports)).errors).toBeUndefined();

    const rotated = await app.client(old).gql<{ rotateReporterToken: string }>('mutation { rotateReporterToken }');
    expect(rotated.errors).toBeUndefined();
    expect((await second.client(old).gql(reports)).status).toBe(401);
    const fresh = await second.client(rotated.data?.rotateReporterToken).gql(reports);
    expect(fresh.errors).toBeUndefined();
    expect(fresh.data?.reports.edges).toHaveLength(1);
  });
});
