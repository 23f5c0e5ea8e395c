import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusy, DataDirUnusable, ensurePrivateDir, lockFileFor, readLock } from './lock.ts';

const root = mkdtempSync(path.join(tmpdir(), 'psirt-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `data-${++n}`, 'pglite');
/** A pid that no process has any more. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;
const plant = (dir: string, holder: object | string) =>
  writeFileSync(lockFileFor(dir), typeof holder === 'string' ? holder : JSON.stringify(holder));

describe('the data directory lock', () => {
  it('has one holder: a second is refused with who holds it, and released it can be taken again', () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir, { kind: 'server', command: 'psirt start' });
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o700);
    expect(statSync(lock.file).mode & 0o777).toBe(0o600);
    lock.update({ url: 'http://localhost:4000/graphql' });
    let busy: unknown;
    try {
      acquireDataDirLock(dir, { kind: 'cli', command: 'psirt token create' });
    } catch (error) {
      busy = error;
    }
    expect(busy).toBeInstanceOf(DataDirBusy);
    expect((busy as DataDirBusy).message).toContain(
      `in use by psirt start (pid ${process.pid}, http://localhost:4000/graphql, since`,
    );
    lock.release();
    lock.release();
    expect(readLock(lock.file)).toBeNull();
    acquireDataDirLock(dir, { kind: 'cli', command: 'psirt db status' }).release();
  });

  it('takes over the lock of a process that is gone, or whose pid now belongs to another process', () => {
    const dir = freshDir();
    ensurePrivateDir(path.dirname(dir));
    const stale = { kind: 'server', command: 'psirt start', host: hostname(), startedAt: 'then', token: 'old' };
    plant(dir, { ...stale, pid: deadPid() });
    const first = acquireDataDirLock(dir, { kind: 'server', command: 'psirt start' });
    expect(readLock(first.file)?.pid).toBe(process.pid);
    first.release();
    if (process.platform === 'linux') {
      // Our own pid, but a different process start time: a recycled pid, not a live holder.
      plant(dir, { ...stale, pid: process.pid, procStart: '1' });
      acquireDataDirLock(dir, { kind: 'server', command: 'psirt start' }).release();
    }
  });

  it('cannot check a holder on another host (a shared volume): it is taken as alive, and named', () => {
    const dir = freshDir();
    ensurePrivateDir(path.dirname(dir));
    plant(dir, {
      kind: 'server',
      command: 'psirt start',
      pid: deadPid(),
      host: 'old-container',
      startedAt: 'then',
      token: 'x',
    });
    expect(() => acquireDataDirLock(dir, { kind: 'server', command: 'psirt start' })).toThrow(
      /pid \d+ on old-container/,
    );
  });

  it('treats an unreadable lock as stale once it is not being written', () => {
    const dir = freshDir();
    ensurePrivateDir(path.dirname(dir));
    plant(dir, '{"pid": 12');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFileFor(dir), old, old);
    const lock = acquireDataDirLock(dir, { kind: 'cli', command: 'psirt audit verify' });
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).command).toBe('psirt audit verify');
    lock.release();
  });

  it('never removes a lock it does not hold', () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir, { kind: 'cli', command: 'psirt keys show' });
    const other = {
      kind: 'cli',
      command: 'someone else',
      pid: deadPid(),
      host: hostname(),
      startedAt: 'x',
      token: 't',
    };
    plant(dir, other);
    lock.release();
    expect(readLock(lock.file)?.token).toBe('t');
  });

  it('says why a directory cannot be used, at once', () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    expect(() => acquireDataDirLock(path.join(file, 'pglite'), { kind: 'cli', command: 'x' })).toThrow(
      new DataDirUnusable(`${file} is not a directory`),
    );
    expect(() => ensurePrivateDir('/proc/psirt-nowhere/pglite')).toThrow(/cannot create \/proc\/psirt-nowhere/);
  });
});
