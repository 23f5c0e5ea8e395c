// Runs the real `psirt` command-line tool as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const psirtBin = path.join(repoRoot, 'api', 'bin', 'psirt.mjs');
const bin = psirtBin;

/** The environment of a child: no inherited database or port settings unless given. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'PSIRT_DATA_DIR', 'PORT', 'HOST', 'PSIRT_DEMO', 'LOG_LEVEL']) delete env[k];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `psirt <args>` to completion, with `input` on its standard input. */
export function psirt(
  args: string[],
  env: Record<string, string | undefined>,
  input = '',
  options: { cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv(env) });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  origin: string;
  /** Demo tokens by role, parsed from the banner. */
  tokens: Record<string, string>;
  startupMs: number;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code, once it exits. */
  exited: Promise<number | null>;
}

/** `psirt start` on port 0; resolves once it listens, with what it printed. */
export function startServer(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunningServer> {
  const started = Date.now();
  // The server stops when this test process is gone, however it ends (a failed assertion, a killed run):
  // an orphan would hold its port and database and the memory of a whole instance.
  const child = spawn(process.execPath, [bin, 'start'], {
    cwd: repoRoot,
    env: childEnv({ PORT: '0', PSIRT_EXIT_WITH_PARENT: String(process.pid), ...env }),
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`psirt start did not listen within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    const check = () => {
      const m = /"url":"([^"]+)","startupMs":(\d+)/.exec(stdout);
      if (!m || !stderr.includes('Stop with Ctrl-C')) return;
      clearTimeout(timer);
      const url = m[1] as string;
      const tokens: Record<string, string> = {};
      for (const line of stderr.split('\n')) {
        const t = /^\s+([A-Z_,]+)\s+\S+@\S+\s+(psirt_\S+)$/.exec(line);
        if (t) tokens[t[1] as string] = t[2] as string;
      }
      resolve({
        child,
        url,
        origin: new URL(url).origin,
        tokens,
        startupMs: Date.now() - started,
        output: () => ({ stdout, stderr }),
        exited,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      check();
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`psirt start exited with ${code}\n${stdout}\n${stderr}`));
    });
  });
}

export async function gql(url: string, query: string, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] },
  };
}
