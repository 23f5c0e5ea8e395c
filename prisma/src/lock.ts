// One writer for an embedded database. PGlite is a single-process database:
// two processes opening the same directory both run, both write, and one of
// them silently loses its work. So whoever opens a PGlite directory first
// holds `psirt.lock` beside it, naming itself (pid, what it is, its URL and
// admin channel once it serves); everyone else is refused, or — the CLI — asks
// the holder to do the work (see api/src/cli/remote.ts).
//
// Written by hand: Node has no flock(2), and the lock-file libraries on npm
// (proper-lockfile and kin) decide staleness by an mtime the holder must keep
// refreshing. PGlite runs queries on the main thread, so a long query can
// starve that refresh and let a second writer in. Liveness here is the
// holder's pid (and, on Linux, its start time, so a recycled pid is not
// mistaken for the holder): a holder killed with `kill -9` is dead at once.
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** Who holds a data directory, as written in its lock file. */
export interface LockHolder {
  /** `server` for `psirt start`; `cli` for one command (e.g. "token create"). */
  kind: 'server' | 'cli';
  /** What it is doing, for people: "psirt start", "psirt token create". */
  command: string;
  pid: number;
  host: string;
  startedAt: string;
  /** The holder's process start time (Linux: /proc/<pid>/stat field 22), to tell a recycled pid. */
  procStart?: string;
  /** Where it serves, once it does. */
  url?: string;
  /** Its admin channel (a Unix socket), once it listens. */
  socket?: string;
  /** Unique per acquisition: a lock is released only by whoever took it. */
  token: string;
}

/** The data directory is held by a live process. */
export class DataDirBusy extends Error {
  override name = 'DataDirBusy';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
    message?: string,
  ) {
    super(
      message ??
        `the data directory ${dir} is in use by ${holder.command} (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}${holder.url ? `, ${holder.url}` : ''}, since ${holder.startedAt})`,
    );
  }
}

/** The data directory cannot be created, written or locked. */
export class DataDirUnusable extends Error {
  override name = 'DataDirUnusable';
}

export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Adds what the holder learned after taking the lock (its URL, its socket). */
  update(fields: Partial<Pick<LockHolder, 'url' | 'socket'>>): void;
  /** Removes the lock file, if it is still ours. Idempotent. */
  release(): void;
}

export const LOCK_FILE = 'psirt.lock';

/** The lock file of a PGlite directory: beside it, in the psirt data directory. */
export function lockFileFor(pgliteDir: string): string {
  return path.join(path.dirname(path.resolve(pgliteDir)), LOCK_FILE);
}

/**
 * Creates a directory and its missing parents with mode 700 (the database and
 * the admin channel are the owner's alone), failing with a clear message.
 * Written by hand because `mkdirSync(…, { recursive: true })` never returns
 * for a path under /proc (Node retries ENOENT forever).
 */
export function ensurePrivateDir(dir: string, opts: { tighten?: boolean } = {}): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    try {
      const st = statSync(at);
      if (!st.isDirectory()) throw new DataDirUnusable(`${at} is not a directory`);
      // PGlite writes its files world-readable: its own directory must not be (one made before psirt kept it private).
      if (opts.tighten && at === path.resolve(dir) && st.mode & 0o077 && st.uid === process.getuid?.()) {
        chmodSync(at, 0o700);
      }
      break;
    } catch (error) {
      if (error instanceof DataDirUnusable) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new DataDirUnusable(`cannot use ${at}: ${(error as Error).message}`);
      missing.unshift(at);
      const parent = path.dirname(at);
      if (parent === at) break;
      at = parent;
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new DataDirUnusable(
        `cannot create ${d}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
}

/** The start time of a process, where the OS tells it (Linux), to tell a recycled pid. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process named in a lock file still runs. A holder on another host is assumed alive. */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.procStart) {
    const now = processStart(holder.pid);
    if (now !== undefined && now !== holder.procStart) return false;
  }
  return true;
}

/** The holder named in a lock file, or null when there is none. */
export function readLock(file: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataDirUnusable(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === 'number' && typeof holder.token === 'string') return holder;
  } catch {}
  // Lock files are written whole (a link to a complete file): this one was not ours.
  return { kind: 'cli', command: 'an unreadable lock file', pid: -1, host: hostname(), startedAt: '?', token: text };
}

/** The live holder of a data directory, or null. */
export function liveHolder(pgliteDir: string): LockHolder | null {
  const holder = readLock(lockFileFor(pgliteDir));
  return holder && holderAlive(holder) ? holder : null;
}

const held = new Set<DataDirLock>();
let exitHook = false;

/** Writes the holder into an open file, durably, and closes it. */
function writeHolder(fd: number, holder: LockHolder) {
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a file whole, then links it into place: the lock file is never seen half-written. */
function writeWhole(file: string, holder: LockHolder): string {
  const tmp = `${file}.${process.pid}.${holder.token.slice(0, 8)}`;
  writeHolder(openSync(tmp, 'w', 0o600), holder);
  return tmp;
}

/**
 * Takes the lock of a PGlite directory, creating the directory (mode 700) when
 * missing. Throws DataDirBusy when a live process holds it; a lock left by a
 * dead one is taken over.
 */
export function acquireDataDirLock(
  pgliteDir: string,
  who: Pick<LockHolder, 'kind' | 'command'> & Partial<Pick<LockHolder, 'url'>>,
): DataDirLock {
  const file = lockFileFor(pgliteDir);
  // Created private when missing; an existing one is the operator's (it may be $HOME, or /tmp).
  ensurePrivateDir(path.dirname(file));
  let holder: LockHolder = {
    ...who,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    procStart: processStart(process.pid),
    token: randomUUID(),
  };
  let tmp: string;
  try {
    tmp = writeWhole(file, holder);
  } catch (error) {
    throw new DataDirUnusable(`cannot write in ${path.dirname(file)}: ${(error as Error).message}`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 50) throw new DataDirUnusable(`cannot take the lock ${file}: it keeps changing`);
      if (placeLock(tmp, file, holder)) break;
      const current = readLock(file);
      if (!current) continue; // released meanwhile
      if (current.pid === -1 && Date.now() - mtime(file) < 2_000) {
        sleep(50); // being written in place (a file system without hard links): look again
        continue;
      }
      if (holderAlive(current)) throw new DataDirBusy(path.dirname(file), current);
      takeOver(file, current);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }

  const lock: DataDirLock = {
    file,
    get holder() {
      return holder;
    },
    update(fields) {
      const next = { ...holder, ...fields };
      const staged = writeWhole(file, next);
      // rename(2) replaces it atomically; only while the lock is still ours.
      if (readLock(file)?.token !== holder.token) {
        unlinkSync(staged);
        return;
      }
      renameSync(staged, file);
      holder = next;
    },
    release() {
      if (!held.delete(lock)) return;
      try {
        if (readLock(file)?.token === holder.token) unlinkSync(file);
      } catch {}
    },
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    // A process that exits (normally, or on an uncaught error) leaves no lock behind.
    process.on('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

/**
 * Puts the lock file in place if there is none: a hard link of the complete
 * file (atomic, and never seen half-written), or on a file system without
 * hard links an exclusive create. False when a lock file is there already.
 */
function placeLock(tmp: string, file: string, holder: LockHolder): boolean {
  try {
    linkSync(tmp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') {
      throw new DataDirUnusable(`cannot lock ${file}: ${(error as Error).message}`);
    }
  }
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirUnusable(`cannot lock ${file}: ${(error as Error).message}`);
  }
  writeHolder(fd, holder);
  return true;
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes a dead holder's lock — under a mutex (an exclusive mkdir), so that of
 * two processes taking over at once, the second does not delete the lock the
 * first just took.
 */
function takeOver(file: string, stale: LockHolder) {
  const mutex = `${file}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is taking over; a mutex left by a crash expires after 10 s.
    try {
      if (Date.now() - statSync(mutex).mtimeMs > 10_000) rmdirSync(mutex);
    } catch {}
    sleep(50);
    return;
  }
  try {
    if (readLock(file)?.token === stale.token) unlinkSync(file);
  } finally {
    rmdirSync(mutex);
  }
}

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
