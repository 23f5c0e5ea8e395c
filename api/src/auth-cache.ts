// The tokens this instance has verified, kept for a few seconds so that a
// request does not wait for a database round trip to learn who is asking
// (it was most of a trivial request's time: 0.22× bare graphql-yoga).
//
// Kept only while the instance is listening for the database's notification
// that something about tokens or users changed (migration
// `auth_change_notify`: a trigger on api_token and "user"), and forgotten
// entirely at each: whoever revokes a token, disables a user or changes their
// roles — this instance, another one, the CLI or plain SQL — the next request
// with it is checked against the database again. Without the notification
// channel (not yet connected, or lost) nothing is kept. The TTL bounds what a
// lost notification could cost; expiry is checked at each use.
import type { OpenAdapter } from '@psirt/db';
import pg from 'pg';
import type { Logger } from './logger.ts';

const CHANNEL = 'psirt_auth_changed';

export interface AuthCacheOptions {
  /** How long a verified token is kept (default 10 s). */
  ttlMs?: number;
  /** The most tokens kept (default 10,000); the oldest go first. */
  max?: number;
  log?: Logger;
}

export class AuthCache<Row extends object = object> {
  private readonly entries = new Map<string, { row: Row; until: number }>();
  /** Bumped at each change: a lookup that began before it must not store what it read. */
  private generation = 0;
  private listening = false;
  private stopped = false;
  private stopListening: (() => Promise<void>) | undefined;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly options: AuthCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.max = options.max ?? 10_000;
  }

  /** The row verified for this token hash, while fresh and while changes are being heard. */
  get(hash: string, now: number): Row | undefined {
    if (!this.listening) return undefined;
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.row;
  }

  /** Where a lookup starts: pass it to `set` with what the lookup found. */
  mark(): number {
    return this.generation;
  }

  set(hash: string, row: Row, mark: number, now: number): void {
    if (!this.listening || mark !== this.generation) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { row, until: now + this.ttlMs });
  }

  /** Something changed: everything kept is forgotten. */
  forget(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Starts hearing changes (PGlite: in process; PostgreSQL: a connection of its own, re-opened when lost). */
  async listen(adapter: Pick<OpenAdapter, 'pglite' | 'config'>): Promise<void> {
    this.stopped = false;
    if (adapter.pglite) {
      const unlisten = await adapter.pglite.listen(CHANNEL, () => this.forget());
      this.stopListening = unlisten;
      this.listening = true;
      return;
    }
    if (adapter.config.kind === 'postgres') await this.listenPostgres(adapter.config.url, 1_000);
  }

  private async listenPostgres(url: string, retryMs: number): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
    let gone = false;
    // Once per connection: an error and the end it brings, or a failed connect, start one retry.
    const lost = (error?: Error) => {
      if (gone) return;
      gone = true;
      if (this.listening)
        this.options.log?.warn({ err: error }, 'token changes are not heard: tokens are checked each time');
      this.listening = false;
      this.forget();
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (this.stopped) return;
      const next = Math.min(retryMs * 2, 30_000);
      setTimeout(() => void this.listenPostgres(url, next), retryMs).unref();
    };
    client.on('notification', () => this.forget());
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.stopListening = async () => {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    };
    this.forget();
    this.listening = true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    this.forget();
    await this.stopListening?.().catch(() => {});
    this.stopListening = undefined;
  }
}
