// The embedded database has one writer: the running server. A second server is
// refused; psirt commands beside it are carried out by it; a dead holder's lock
// is taken over; signals to npm reach the server; unusable data directories fail fast.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, gql, psirt, type RunningServer, repoRoot, startServer } from '../support/cli.ts';
import { onPostgres } from '../support/db.ts';

const root = mkdtempSync(path.join(tmpdir(), 'psirt-writer-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) await s.stop();
  rmSync(root, { recursive: true, force: true });
});

const lockOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'psirt.lock'), 'utf8'));
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

const MAIL = `From: Ann <ann@research.example.org>\r\nTo: psirt@example.com\r\nSubject: Piped beside a server\r\nMessage-ID: <beside-1@example.org>\r\n\r\nFound by our scanner.\r\n`;

describe.runIf(!onPostgres)('one writer for the embedded database (PGlite)', () => {
  const dataDir = path.join(root, 'shared');
  const env = { PSIRT_DATA_DIR: dataDir, PSIRT_DEMO: '0' };

  it('refuses a second server on the same data directory, naming the first', async () => {
    const first = await startServer(env);
    servers.push(first);
    const lock = lockOf(dataDir);
    expect(lock).toMatchObject({ kind: 'server', pid: first.child.pid, url: first.url });
    expect(statSync(lock.socket).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    const t0 = Date.now();
    const second = await psirt(['start'], { ...env, PORT: '0' });
    expect(second.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(second.stderr).toContain(`is in use by psirt start (pid ${first.child.pid}, ${first.url}`);
    expect(second.stderr).toContain('PSIRT_DATA_DIR');
    expect(second.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    // The first one is untouched.
    expect((await fetch(`${first.origin}/readyz`)).status).toBe(200);
    expect(lockOf(dataDir).pid).toBe(first.child.pid);
  }, 90_000);

  it('has psirt commands carried out by the running server: their results work at once', async () => {
    const server = servers[0] as RunningServer;
    const created = await psirt(['token', 'create', '--role', 'ANALYST', '--email', 'Ana@Example.com'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('created user ana@example.com (ANALYST)');
    const token = /^(psirt_\S+)$/m.exec(created.stdout)?.[1] as string;
    // Usable on the running server the moment it is printed.
    expect((await gql(server.url, '{ viewer { email roles } }', token)).body).toEqual({
      data: { viewer: { email: 'ana@example.com', roles: ['ANALYST'] } },
    });

    // Piped mail reaches the server's database, and so the API.
    const mail = await psirt(['intake', 'mail'], env, MAIL);
    expect(mail.code, mail.stderr).toBe(0);
    const publicId = /^new report (VSR-\d{4}-\d{4})$/m.exec(mail.stdout)?.[1];
    expect(publicId).toBeDefined();
    const report = await gql(server.url, `{ report(publicId: "${publicId}") { title } }`, token);
    expect(report.body.data?.report).toEqual({ title: 'Piped beside a server' });

    // A file named relative to the caller's directory, not the server's.
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(path.join(elsewhere, 'mail.eml'), MAIL.replace('beside-1', 'beside-2'));
    const fromFile = await psirt(['intake', 'mail', '--file', 'mail.eml'], env, '', { cwd: elsewhere });
    expect(fromFile.stdout, fromFile.stderr).toMatch(/^new report VSR-/m);

    const linked = await psirt(['slack', 'link', '--email', 'ana@example.com', '--slack-user', 'U0ANA001'], env);
    expect(linked.stdout).toContain('linked U0ANA001 to ana@example.com');
    const status = await psirt(['db', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('up to date');
    const audit = await psirt(['audit', 'verify'], env);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/chain intact/);

    // Failures come back as the CLI's own: one line, the exit status, no stack.
    const missing = await psirt(['token', 'revoke', 'psirt_nosuchtoken'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('psirt: no unrevoked token matches\n');
    const revoked = await psirt(['token', 'revoke', token], env);
    expect(revoked.code).toBe(0);
    expect((await gql(server.url, '{ viewer { email } }', token)).status).toBe(401);
    // Nothing printed a token into the server's log.
    expect(server.output().stdout).not.toContain(token);
  }, 120_000);

  it('stops cleanly, removing its lock and admin channel', async () => {
    const server = servers[0] as RunningServer;
    const { socket } = lockOf(dataDir);
    expect(await server.stop()).toBe(0);
    expect(() => statSync(path.join(dataDir, 'psirt.lock'))).toThrow();
    expect(() => statSync(socket)).toThrow();
    // With no server, commands open the database themselves.
    const list = await psirt(['intake', 'list', '--status', 'PROCESSED'], env);
    expect(list.stdout).toContain('2 mail(s) processed');
    // A mail server piping several mails at once: each command waits for the one holding the data.
    const piped = await Promise.all(
      [3, 4, 5].map((i) => psirt(['intake', 'mail'], env, MAIL.replace('beside-1', `beside-${i}`))),
    );
    for (const r of piped) expect(r.stdout, r.stderr).toMatch(/^new report VSR-/m);
    expect(new Set(piped.map((r) => r.stdout)).size).toBe(3);
  }, 60_000);

  it('takes over the lock of a holder that died (kill -9)', async () => {
    const dir = path.join(root, 'stale');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A process that is gone: its pid is free.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(
      path.join(dir, 'psirt.lock'),
      JSON.stringify({
        kind: 'server',
        command: 'psirt start',
        pid: dead.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        socket: path.join(dir, 'run', 'admin.sock'),
        token: 'stale',
      }),
    );
    const server = await startServer({ PSIRT_DATA_DIR: dir, PSIRT_DEMO: '0' });
    servers.push(server);
    expect(lockOf(dir)).toMatchObject({ pid: server.child.pid, kind: 'server' });
    expect(await server.stop()).toBe(0);
  }, 60_000);

  it('stops the server when the npm start process is sent SIGTERM: nothing keeps the port or the data', async () => {
    const dir = path.join(root, 'npm');
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: childEnv({ PSIRT_DATA_DIR: dir, PSIRT_DEMO: '0', PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d) => {
      output += d;
    });
    npm.stderr.on('data', (d) => {
      output += d;
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 90_000);
      const check = setInterval(() => {
        const m = /psirt is running: http:\/\/localhost:(\d+)\//.exec(output);
        if (m) {
          clearTimeout(timer);
          clearInterval(check);
          resolve(Number(m[1]));
        }
      }, 100);
    });
    const { pid } = lockOf(dir);
    expect(pid).not.toBe(npm.pid);
    npm.kill('SIGTERM');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !(await refused(port))) await new Promise((r) => setTimeout(r, 200));
    expect(await refused(port)).toBe(true);
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    while (Date.now() < deadline && !gone()) await new Promise((r) => setTimeout(r, 200));
    expect(gone()).toBe(true);
    expect(() => statSync(path.join(dir, 'psirt.lock'))).toThrow();
  }, 120_000);

  it('fails fast, saying why, on a data directory it cannot use', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    for (const [dir, why] of [
      ['/proc/x', 'cannot create /proc/x'],
      [file, `${file} is not a directory`],
    ] as const) {
      const t0 = Date.now();
      const r = await psirt(['start'], { PSIRT_DATA_DIR: dir, PORT: '0' });
      expect(r.code).toBe(1);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
      const cli = await psirt(['token', 'create', '--role', 'ADMIN'], { PSIRT_DATA_DIR: dir });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(why);
    }
  }, 60_000);
});
