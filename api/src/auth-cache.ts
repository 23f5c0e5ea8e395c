// The tokens this instance has verified, kept for a few seconds so that a
// request does not wait for a database round trip to learn who is asking
// (it was most of a trivial request's time: 0.22× bare graphql-yoga).
//
// Kept only on the embedded database, and forgotten entirely at its
// notification that something about tokens or users changed (migration
// `auth_change_notify`: a trigger on api_token and "user"). PGlite is one
// process and delivers the notification with the result of the statement
// that made the change, so the next request is checked against the database
// again. On PostgreSQL the notification comes on another connection, after the
// commit: a request right after a revocation could still be served from the
// cache (tests/api/access.test.ts caught it), so nothing is kept there.
import type { OpenAdapter } from '@psirt/db';

const CHANNEL = 'psirt_auth_changed';

export interface AuthCacheOptions {
  /** How long a verified token is kept (default 10 s). */
  ttlMs?: number;
  /** The most tokens kept (default 10,000); the oldest go first. */
  max?: number;
}

export class AuthCache<Row extends object = object> {
  private readonly entries = new Map<string, { row: Row; until: number }>();
  /** Bumped at each change: a lookup that began before it must not store what it read. */
  private generation = 0;
  private listening = false;
  private stopListening: (() => Promise<void>) | undefined;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(options: AuthCacheOptions = {}) {
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

  /** Starts hearing changes (the embedded database only: see the top of this file). */
  async listen(adapter: Pick<OpenAdapter, 'pglite'>): Promise<void> {
    if (!adapter.pglite) return;
    this.stopListening = await adapter.pglite.listen(CHANNEL, () => this.forget());
    this.listening = true;
  }

  async close(): Promise<void> {
    this.listening = false;
    this.forget();
    await this.stopListening?.().catch(() => {});
    this.stopListening = undefined;
  }
}
