// The real API over real HTTP on a real, isolated database — no mocks.
import { type App, type AppDeps, buildApp, createLogger } from '@psirt/api';
import { issueUserToken } from '@psirt/db';
import type { Role } from '@psirt/schema';
import { createTestDatabase, reopenDatabase, type TestDatabase } from './db.ts';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: {
    message: string;
    path?: string[];
    locations?: { line: number; column: number }[];
    extensions?: { code?: string; [k: string]: unknown };
  }[];
}

export interface Client {
  token?: string;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
}

export interface TestApp {
  url: string;
  origin: string;
  db: TestDatabase;
  anonymous: Client;
  /** A client with this token (and extra headers, e.g. X-Psirt-Slack-User). */
  client(token?: string, headers?: Record<string, string>): Client;
  /** A new staff user holding `roles`, signed in with a fresh token. */
  login(...roles: Role[]): Promise<Client & { userId: string }>;
  /** Stops the HTTP server the way SIGTERM does (graceful). */
  stopServer(): Promise<void>;
  /** Moves the server's clock forward (SLA, ages). */
  advanceClock(ms: number): void;
  /** SQL statements since the last call (or since start). */
  queryCount(): number;
  /** The app's live-update bus (subscriptions wait on its listener count). */
  live: App['live'];
  /** The HTTP server (tests that must see what arrives on the wire listen to its requests). */
  server: App['server'];
  webSocketCount(): number;
  /** Each client's share of the instance (what runs, what waits). */
  gate: App['gate'];
  /** The SMTP intake's port (when started with `intake.smtpPort`). */
  smtpPort(): number | null;
  [Symbol.asyncDispose](): Promise<void>;
}

let users = 0;

export interface TestAppOptions extends Partial<Omit<AppDeps, 'db' | 'log'>> {
  /** Where the server logs (default: silent, or PSIRT_TEST_LOG's level on stdout). */
  log?: AppDeps['log'];
  /** A second instance on another app's database (that app owns and disposes of it). */
  shareDatabaseOf?: TestApp;
  /** A second instance as another process would run it: the same PostgreSQL database, its own connections. */
  secondInstanceOf?: TestApp;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { shareDatabaseOf, secondInstanceOf, log, ...deps } = options;
  const db = secondInstanceOf
    ? await reopenDatabase(secondInstanceOf.db)
    : (shareDatabaseOf?.db ?? (await createTestDatabase()));
  let offset = 0;
  const app = buildApp({
    clock: () => new Date(Date.now() + offset),
    // No background scheduler unless a test asks for one: its queries would land in others' counts.
    releaseIntervalMs: 0,
    analyzeIntervalMs: 0,
    mail: { quiet: true },
    graphiql: false,
    ...deps,
    // Nor the CRA clocks' check (tests call checkCraClocks, or ask for an interval).
    cra: { checkIntervalMs: 0, ...deps.cra },
    db,
    log: log ?? createLogger((process.env.PSIRT_TEST_LOG as 'info' | undefined) ?? 'silent'),
    shutdownTimeoutMs: 2000,
  });
  const url = await app.listen(0, '127.0.0.1');
  const origin = new URL(url).origin;
  let seen = db.queries.length;

  const client = (token?: string, extra: Record<string, string> = {}): Client => ({
    token,
    async gql(query, variables) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...extra,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GqlResult, 'status'>;
      return { status: res.status, ...body } as never;
    },
  });

  return {
    url,
    origin,
    db,
    anonymous: client(),
    client,
    async login(...roles) {
      users += 1;
      const user = await db.prisma.user.create({
        data: { email: `user${users}-${Date.now()}@test.example`, name: `Test User ${users}`, roles },
      });
      const { secret } = await issueUserToken(db.prisma, { userId: user.id, name: 'test' });
      return { ...client(secret), userId: user.id };
    },
    stopServer: () => app.stop(),
    advanceClock(ms) {
      offset += ms;
    },
    queryCount() {
      const n = db.queries.length - seen;
      seen = db.queries.length;
      return n;
    },
    live: app.live,
    server: app.server,
    webSocketCount: () => app.webSocketCount(),
    gate: app.gate,
    smtpPort: () => app.smtpPort(),
    async [Symbol.asyncDispose]() {
      await app.stop();
      if (!shareDatabaseOf) await db[Symbol.asyncDispose]();
    },
  };
}
