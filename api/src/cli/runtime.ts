// What a CLI command may touch. A command runs either here, in the `psirt`
// process (its own database connection), or inside the running server that
// holds the embedded database, on behalf of a `psirt` process talking to it
// over the admin channel (remote.ts). Commands see only this interface, so
// they behave the same both ways: print through `out`, read the caller's
// files and standard input through `readFile`/`readStdin`, and reach the
// database only inside `withDatabase`.
import path from 'node:path';
import type { Database, LockHolder } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import type { ApiConfig } from '../config.ts';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface CliRuntime {
  /** One line on the caller's standard output. */
  out(line?: string): void;
  /** Text on the caller's standard error, as is. */
  err(text: string): void;
  /** The caller's exit status, when it is not 0. */
  setExitCode(code: number): void;
  /** A progress bar on the caller's terminal (nothing when stderr is not one). */
  progress(unit: string, total: number): Progress;
  /** Whether the caller's stderr is a terminal. */
  readonly isTTY: boolean;
  /** A path as the caller meant it (relative to the caller's working directory). */
  resolvePath(file: string): string;
  /** The caller's standard input, whole. */
  readStdin(): Promise<Buffer>;
  /** Runs `fn` with the database (and the configuration of whoever holds it). */
  withDatabase<T>(fn: (database: Database, config: ApiConfig) => Promise<T>): Promise<T>;
}

/** Reads one of the caller's files, or says which and why not. */
export async function readCallerFile(rt: CliRuntime, file: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(rt.resolvePath(file));
  } catch (error) {
    throw new DomainError(
      'VALIDATION',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export const resolveFrom = (cwd: string) => (file: string) => path.resolve(cwd, file);

/**
 * Thrown by a local `withDatabase` when a running server holds the embedded
 * database: the command is to be carried out by that server instead.
 */
export class Forward extends Error {
  override name = 'Forward';
  constructor(readonly holder: LockHolder) {
    super(`forwarded to ${holder.command} (pid ${holder.pid})`);
  }
}

export const isForwarded = (error: unknown): error is Forward => error instanceof Forward;

/**
 * A command line's command, for locks and logs: its first two words
 * ("token revoke"), never its arguments — they may hold a token.
 */
export const commandName = (argv: readonly string[]) =>
  argv
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');
