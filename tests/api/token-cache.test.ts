// A verified token is kept for a few seconds (api/src/auth-cache.ts), and
// forgotten the moment the database says anything about tokens or users
// changed — whoever changed it. These tests change them the way another
// process would: plain SQL on a connection of its own, never through the API.
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

async function analystToken(email: string) {
  const user = await app.db.prisma.user.create({ data: { email, name: email, roles: ['ANALYST'] } });
  const token = await issueUserToken(app.db.prisma, { userId: user.id, name: 'cache test' });
  return { user, token, client: app.client(token.secret) };
}

const tokenLookups = () => app.db.queries.filter((q) => q.includes('"api_token" t LEFT JOIN "user"')).length;

// The change reaches the API as a database notification: within the statement on PGlite, a
// moment later over PostgreSQL's connection. So the answers are polled, for at most a second.
const poll = { timeout: 1000, interval: 20 };

describe(`verified tokens kept briefly (${dialect})`, () => {
  it('asks the embedded database about a token once; PostgreSQL at every request', async () => {
    const { client } = await analystToken('once@test.example');
    const before = tokenLookups();
    for (let i = 0; i < 5; i++) expect((await client.gql('{ viewer { email } }')).status).toBe(200);
    // PostgreSQL announces a change on another connection, after its commit: too late to keep tokens.
    expect(tokenLookups() - before).toBe(onPostgres ? 5 : 1);
  });

  it('refuses a token revoked outside the API at the next request', async () => {
    const { client, token } = await analystToken('revoked@test.example');
    expect((await client.gql('{ viewer { email } }')).status).toBe(200);
    await sql('UPDATE api_token SET revoked_at = now() WHERE id = $1::uuid', [token.id]);
    await expect.poll(async () => (await client.gql('{ viewer { email } }')).status, poll).toBe(401);
    expect((await client.gql('{ viewer { email } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses the tokens of a user disabled outside the API, and applies changed roles at once', async () => {
    const a = await analystToken('disabled@test.example');
    const b = await analystToken('demoted@test.example');
    // Analysts may list reporters; a user without roles may not.
    const cases = '{ reporters(first: 1) { edges { node { id } } } }';
    expect((await a.client.gql(cases)).errors).toBeUndefined();
    expect((await b.client.gql(cases)).errors).toBeUndefined();

    await sql('UPDATE "user" SET disabled_at = now() WHERE id = $1::uuid', [a.user.id]);
    await expect.poll(async () => (await a.client.gql(cases)).status, poll).toBe(401);

    await sql(`UPDATE "user" SET roles = '{}' WHERE id = $1::uuid`, [b.user.id]);
    await expect.poll(async () => (await b.client.gql(cases)).errors?.[0]?.extensions?.code, poll).toBe('FORBIDDEN');
  });

  it('refuses a deleted token, and does not let a token’s last use empty the cache', async () => {
    const { client, token } = await analystToken('deleted@test.example');
    expect((await client.gql('{ viewer { email } }')).status).toBe(200);
    // The API's own once-a-minute touch writes last_used_at: that is no change of rights.
    await sql('UPDATE api_token SET last_used_at = now() WHERE id = $1::uuid', [token.id]);
    const before = tokenLookups();
    expect((await client.gql('{ viewer { email } }')).status).toBe(200);
    expect(tokenLookups() - before).toBe(onPostgres ? 1 : 0);

    await sql('DELETE FROM api_token WHERE id = $1::uuid', [token.id]);
    await expect.poll(async () => (await client.gql('{ viewer { email } }')).status, poll).toBe(401);
  });
});
