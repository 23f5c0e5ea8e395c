// The `psirt` command-line tool. Each command is small and says what it did;
// failures print one clear line (no stack trace) and exit non-zero.
//
// The commands live in cli/commands/, one file per concern, and run against a
// runtime (cli/runtime.ts). Here, the runtime is this process: its terminal,
// its files, its own connection to the database. When a running `psirt start`
// holds the embedded database, a command is carried out by that server
// instead, over its admin channel (cli/remote.ts).
//
// Each command loads what it needs when it runs (await import): the server's
// module graph takes seconds to load, and `--help`, `db status` or `token
// create` should not wait for it.
import { type Database, DataDirBusy, openDatabase } from '@psirt/db';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { serveCommands } from './cli/commands/serve.ts';
import { buildProgram } from './cli/program.ts';
import { forwardToServer, reportError } from './cli/remote.ts';
import { type CliRuntime, commandName, Forward, isForwarded } from './cli/runtime.ts';
import { VERSION } from './cli/version.ts';
import { type ApiConfig, configFromEnv } from './config.ts';

const argv = process.argv.slice(2);
let stdin: Buffer | undefined;

const runtime: CliRuntime = {
  out: (line = '') => process.stdout.write(`${line}\n`),
  err: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  isTTY: Boolean(process.stderr.isTTY),
  progress: progressBar,
  resolvePath: (file) => file,
  async readStdin() {
    if (!stdin) {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      stdin = Buffer.concat(chunks);
    }
    return stdin;
  },
  withDatabase,
};

/** Opens the configured database for one command, and always closes it. */
async function withDatabase<T>(fn: (database: Database, config: ApiConfig) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const database = await openForCommand(config);
  try {
    return await fn(database, config);
  } finally {
    await database.close();
  }
}

/**
 * The embedded database has one writer. Held by a serving `psirt start`, the
 * command goes to it (Forward); held by another command, or by a server still
 * starting, this one waits its turn (up to a minute).
 */
async function openForCommand(config: ApiConfig): Promise<Database> {
  const command = `psirt ${commandName(argv)}`;
  const deadline = Date.now() + Number(process.env.PSIRT_LOCK_WAIT_MS ?? 60_000);
  let told = false;
  for (;;) {
    try {
      return await openDatabase(config.database, { holder: { kind: 'cli', command } });
    } catch (error) {
      if (!(error instanceof DataDirBusy)) throw error;
      const { holder } = error;
      if (holder.kind === 'server' && holder.socket) throw new Forward(holder);
      if (Date.now() > deadline) {
        throw new DataDirBusy(error.dir, holder, `${error.message}; gave up waiting for it`);
      }
      if (!told) {
        told = true;
        process.stderr.write(
          `psirt: waiting for ${holder.command} (pid ${holder.pid}) to ${holder.kind === 'server' ? 'finish starting' : 'finish'}…\n`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs stay clean). */
function progressBar(unit: string, total: number) {
  if (!process.stderr.isTTY) return { update: (_n: number) => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `{bar} {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

const program: Command = buildProgram(runtime, { version: VERSION, local: serveCommands });

try {
  await program.parseAsync(process.argv);
  // `start` keeps running; everything else is done (the Wasm engine may hold the loop open).
  if (program.args[0] !== 'start' && program.args[0] !== 'bot') process.exit(process.exitCode ?? 0);
} catch (error) {
  if (isForwarded(error)) {
    let code: number;
    try {
      code = await forwardToServer(
        error.holder,
        { argv, cwd: process.cwd(), isTTY: runtime.isTTY, stdin: stdin?.toString('base64') },
        runtime,
      );
    } catch (failure) {
      code = reportError(failure, runtime);
      // A mail server keeps piped mail and tries again later (EX_TEMPFAIL).
      if (argv.includes('intake') && argv.includes('mail')) code = 75;
    }
    process.exit(code);
  }
  process.exit(reportError(error, runtime));
}
