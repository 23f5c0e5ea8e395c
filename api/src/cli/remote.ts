// The admin channel: how a `psirt` command reaches the server that holds the
// embedded database. PGlite has one writer — the running server — so a
// command such as `psirt token create` sends its command line to that server,
// which parses and runs it with the very same code (program.ts) against its
// own database, and streams the output back. The result is usable at once: a
// token created this way works on the server the moment it is printed.
//
// The channel is a Unix socket inside the data directory, in a directory of
// mode 700 and itself of mode 600: only the owner of the data (and root) can
// connect — the same people who could open the database files. Nothing
// listens on the network. The protocol is one JSON line each way per message
// (written by hand: it is three message kinds over a local socket):
//   → {"v":1,"argv":[…],"cwd":"…","isTTY":false,"stdin":"<base64>"?}
//   ← {"o":"a line of stdout"} | {"e":"stderr text"} | {"p":1,"unit":"…","total":n}
//     | {"u":1,"n":done} | {"s":1} | {"x":exitCode}
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database, LockHolder } from '@psirt/db';
import { DomainError } from '@psirt/schema';
import { CommanderError } from 'commander';
import { z } from 'zod';
import { type ApiConfig, ConfigError } from '../config.ts';
import type { Logger } from '../logger.ts';
import { buildProgram } from './program.ts';
import { type CliRuntime, commandName, type Progress, resolveFrom } from './runtime.ts';
import { VERSION } from './version.ts';

const PROTOCOL = 1;
/** Longest path a Unix socket may have (sun_path is 108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

const Request = z.object({
  v: z.literal(PROTOCOL),
  argv: z.array(z.string().max(100_000)).max(1_000),
  cwd: z.string().min(1).max(4_096),
  isTTY: z.boolean(),
  stdin: z.string().optional(),
});
type Request = z.infer<typeof Request>;

type Reply =
  | { o: string }
  | { e: string }
  | { p: number; unit: string; total: number }
  | { u: number; n: number }
  | { s: number }
  | { x: number };

/** Where the admin socket of a data directory goes: inside it when the path is short enough. */
export function adminSocketPath(dataDir: string): string {
  const inside = path.join(dataDir, 'run', 'admin.sock');
  if (inside.length <= MAX_SOCKET_PATH) {
    const dir = path.dirname(inside);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Ours and a real directory (not a link someone planted), then private.
    const st = lstatSync(dir);
    if (st.isDirectory() && st.uid === process.getuid?.()) {
      chmodSync(dir, 0o700);
      return inside;
    }
  }
  // A long data directory path: a private directory of our own under the system's temp dir.
  return path.join(mkdtempSync(path.join(tmpdir(), 'psirt-')), 'admin.sock');
}

export interface AdminChannel {
  socket: string;
  close(): Promise<void>;
}

/** The server's side: carries out CLI commands on its own database. */
export async function startAdminChannel(deps: {
  dataDir: string;
  database: Database;
  config: ApiConfig;
  log: Logger;
  /** Largest request (the command line and a piped mail), in bytes. */
  maxBytes: number;
}): Promise<AdminChannel> {
  const socket = adminSocketPath(deps.dataDir);
  // A long data directory's socket is in a temp directory of its own: removed with it.
  const ownDir = path.dirname(socket) !== path.join(deps.dataDir, 'run') ? path.dirname(socket) : null;
  // We hold the data directory's lock: a socket file here is a dead holder's.
  try {
    unlinkSync(socket);
  } catch {}
  const running = new Set<Promise<void>>();
  const server = net.createServer((conn) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const nl = buffered.indexOf(10);
      if (nl < 0) {
        if (buffered.length > deps.maxBytes) {
          conn.end(`${JSON.stringify({ e: 'psirt: the request is too large\n' })}\n${JSON.stringify({ x: 1 })}\n`);
          conn.off('data', onData);
        }
        return;
      }
      conn.off('data', onData);
      conn.setTimeout(0);
      let request: Request;
      try {
        request = Request.parse(JSON.parse(buffered.subarray(0, nl).toString('utf8')));
      } catch {
        conn.end(
          `${JSON.stringify({ e: 'psirt: not a request this server understands (a different psirt version?)\n' })}\n${JSON.stringify({ x: 1 })}\n`,
        );
        return;
      }
      const job = carryOut(request, conn, deps).finally(() => running.delete(job));
      running.add(job);
    };
    conn.on('data', onData);
    conn.on('error', () => {});
    // A request is one line, sent at once: a connection that sends none is dropped.
    conn.setTimeout(30_000, () => {
      if (conn.listenerCount('data') > 0) conn.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  chmodSync(socket, 0o600);
  deps.log.info({ socket }, 'admin channel listening (psirt commands are carried out here)');
  return {
    socket,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
      try {
        unlinkSync(socket);
      } catch {}
      try {
        if (ownDir) rmdirSync(ownDir);
      } catch {}
    },
  };
}

async function carryOut(
  request: Request,
  conn: net.Socket,
  deps: { database: Database; config: ApiConfig; log: Logger },
): Promise<void> {
  const send = (reply: Reply) => {
    if (!conn.destroyed) conn.write(`${JSON.stringify(reply)}\n`);
  };
  let exitCode = 0;
  let bars = 0;
  const rt: CliRuntime = {
    out: (line = '') => send({ o: line }),
    err: (text) => send({ e: text }),
    setExitCode: (code) => {
      exitCode = code;
    },
    isTTY: request.isTTY,
    progress(unit, total): Progress {
      if (!request.isTTY) return { update: () => {}, stop: () => {} };
      const id = ++bars;
      send({ p: id, unit, total });
      return { update: (n) => send({ u: id, n }), stop: () => send({ s: id }) };
    },
    resolvePath: resolveFrom(request.cwd),
    readStdin: async () => Buffer.from(request.stdin ?? '', 'base64'),
    withDatabase: (fn) => fn(deps.database, deps.config),
  };
  const command = commandName(request.argv);
  deps.log.info({ command }, 'carrying out a psirt command');
  const program = buildProgram(rt, { version: VERSION })
    .exitOverride()
    .configureOutput({ writeOut: (s) => send({ o: s.replace(/\n$/, '') }), writeErr: (s) => send({ e: s }) });
  try {
    await program.parseAsync(request.argv, { from: 'user' });
  } catch (error) {
    exitCode = reportError(error, rt, deps.log);
  }
  send({ x: exitCode });
  conn.end();
}

/** Prints a command's failure as the CLI does (one line, no stack); the exit code. */
export function reportError(error: unknown, rt: Pick<CliRuntime, 'err'>, log?: Logger): number {
  if (error instanceof CommanderError) return error.exitCode;
  if ((error as { code?: string })?.code === 'P2021') {
    rt.err('psirt: the database has no schema yet: run `npm run db:migrate` (or start the server once)\n');
    return 1;
  }
  const known =
    error instanceof DomainError ||
    error instanceof ConfigError ||
    ['MigrationError', 'DataDirBusy', 'DataDirUnusable', 'DatabaseUnavailable'].includes((error as Error)?.name);
  if (known) {
    rt.err(`psirt: ${(error as Error).message}\n`);
  } else if (log) {
    log.error({ err: error }, 'a psirt command failed');
    rt.err('psirt: the command failed on the server (see its log)\n');
  } else {
    rt.err(`psirt: ${String((error as Error)?.stack ?? error)}\n`);
  }
  return 1;
}

/** The client's side: has the server holding the data directory carry out a command line. */
export async function forwardToServer(
  holder: LockHolder,
  request: Omit<Request, 'v'>,
  local: Pick<CliRuntime, 'out' | 'err' | 'progress'>,
): Promise<number> {
  if (!holder.socket)
    throw new DomainError('UNAVAILABLE', `${holder.command} (pid ${holder.pid}) has no admin channel`);
  const conn = net.createConnection(holder.socket);
  conn.write(`${JSON.stringify({ v: PROTOCOL, ...request })}\n`);
  const bars = new Map<number, Progress>();
  let exitCode: number | null = null;
  let pending = '';
  return await new Promise<number>((resolve, reject) => {
    conn.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let reply: Reply;
        try {
          reply = JSON.parse(line) as Reply;
        } catch {
          continue;
        }
        if ('o' in reply) local.out(reply.o);
        else if ('e' in reply) local.err(reply.e);
        else if ('p' in reply) bars.set(reply.p, local.progress(reply.unit, reply.total));
        else if ('u' in reply) bars.get(reply.u)?.update(reply.n);
        else if ('s' in reply) bars.get(reply.s)?.stop();
        else if ('x' in reply) exitCode = reply.x;
      }
    });
    conn.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new DomainError(
          'UNAVAILABLE',
          `${holder.command} (pid ${holder.pid}) holds the data directory, but its admin channel ${holder.socket} does not answer (${error.code ?? error.message})`,
        ),
      ),
    );
    conn.on('close', () => {
      for (const bar of bars.values()) bar.stop();
      if (exitCode === null) {
        reject(
          new DomainError('UNAVAILABLE', `${holder.command} (pid ${holder.pid}) stopped before the command finished`),
        );
      } else resolve(exitCode);
    });
  });
}
