#!/usr/bin/env node
// The two-command entry point: `npm start` and `npm test` (and the other root
// scripts) come through here. It needs nothing but Node.js and npm, and makes
// sure everything else is in place before handing over:
//   1. the pinned pnpm (package.json "packageManager"), installed into .tools/
//   2. dependencies (`pnpm install`), re-run when a manifest or the lockfile changes
//   3. the generated Prisma client and Pothos types, re-run when schema.prisma changes
// Each step is skipped when its inputs have not changed, so a warm start costs
// a few milliseconds. Written by hand (no dependencies) because it runs before
// any dependency exists.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const say = (msg) => process.stderr.write(`psirt: ${msg}\n`);

function fail(msg) {
  say(`error: ${msg}`);
  process.exit(1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node.js >= 20.19 is required (this is ${process.version}).`);
  }
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (res.error) fail(`${cmd} could not be started: ${res.error.message}`);
  return res.status ?? 1;
}

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update(existsSync(f) ? readFileSync(f) : 'missing');
  }
  return h.digest('hex');
}

function workspaceManifests() {
  const dirs = ['schema', 'prisma', 'api', 'bot', 'tests'];
  const plugins = path.join(root, 'plugins');
  if (existsSync(plugins)) {
    for (const d of readdirSync(plugins, { withFileTypes: true })) {
      if (d.isDirectory()) dirs.push(path.join('plugins', d.name));
    }
  }
  return [
    path.join(root, 'package.json'),
    path.join(root, 'pnpm-workspace.yaml'),
    path.join(root, 'pnpm-lock.yaml'),
    ...dirs.map((d) => path.join(root, d, 'package.json')).filter(existsSync),
  ];
}

function ensurePnpm() {
  const version = String(rootPkg.packageManager).replace(/^pnpm@/, '');
  const dir = path.join(root, '.tools', `pnpm-${version}`);
  const bin = path.join(dir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(bin)) {
    say(`installing pnpm ${version} into .tools/ (once)…`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const status = run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${version}`], {
      cwd: dir,
    });
    if (status !== 0 || !existsSync(bin)) fail(`could not install pnpm ${version} with npm.`);
  }
  return (args, opts) => run(process.execPath, [bin, ...args], opts);
}

function ensureInstalled(pnpm) {
  const stamp = path.join(root, 'node_modules', '.psirt-install');
  const hash = hashFiles(workspaceManifests());
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say('installing dependencies with pnpm…');
  const frozen = existsSync(path.join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
  const status = pnpm(['install', ...frozen, '--reporter=append-only']);
  if (status !== 0) fail('pnpm install failed (see above).');
  // Recompute: pnpm may have written the lockfile.
  writeFileSync(stamp, hashFiles(workspaceManifests()));
}

function ensureGenerated(pnpm) {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  const outDir = path.join(root, 'prisma', 'generated');
  const stamp = path.join(outDir, '.psirt-generated');
  const hash = hashFiles([schema, path.join(root, 'prisma', 'package.json'), path.join(root, 'pnpm-lock.yaml')]);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say('generating the Prisma client and Pothos types…');
  const status = pnpm(['--filter', '@psirt/db', 'run', '--silent', 'generate']);
  if (status !== 0) fail('prisma generate failed (see above).');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(stamp, hash);
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

/**
 * Hand over to a long-running command and exit with its status. SIGINT/SIGTERM
 * are passed on, so the server drains and stops. npm runs scripts through
 * `sh -c`, and sh does not pass npm's SIGTERM on: `kill <npm pid>` would
 * leave us (and the server) running, holding the port and the database. So
 * when our parent goes, we stop the child too; and a server started under us
 * (directly, or by the tests), told our pid by PSIRT_EXIT_WITH_PARENT, stops
 * if we are gone.
 */
function handOver(cmd, args) {
  const child = spawn(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PSIRT_EXIT_WITH_PARENT: String(process.pid) },
  });
  const pass = (sig) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => pass(sig));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      pass('SIGTERM');
    }
  }, 250);
  child.on('error', (err) => fail(`${cmd} could not be started: ${err.message}`));
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 128 + 15 : 1));
  });
  return undefined;
}

const tasks = {
  /** `psirt <args…>`: the command-line tool (start, db, token…). */
  psirt: (args) => handOver(process.execPath, [path.join(root, 'api', 'bin', 'psirt.mjs'), ...args]),
  test: (args) => handOver(bin('vitest'), ['run', ...args]),
  /** `bench <name> [options]`: a benchmark from tests/bench (e.g. `api`). */
  bench: (args) => handOver(process.execPath, [path.join(root, 'tests', 'bench', 'run.mjs'), ...args]),
  /** `docs [--check]`: the README's generated sections (the need-to-know table). */
  docs: (args) => handOver(process.execPath, [path.join(root, 'api', 'bin', 'docs.mjs'), ...args]),
  lint: (args) => run(bin('biome'), ['check', ...args, '.']),
  format: (args) => run(bin('biome'), ['check', '--write', ...args, '.']),
  typecheck: () => run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']),
  check: () => tasks.lint([]) || tasks.typecheck(),
  setup: () => 0,
};

checkNode();
const [task = 'setup', ...rest] = process.argv.slice(2);
if (!(task in tasks)) fail(`unknown task "${task}"; one of: ${Object.keys(tasks).join(', ')}`);
const pnpm = ensurePnpm();
ensureInstalled(pnpm);
ensureGenerated(pnpm);
const status = tasks[task](rest);
if (status !== undefined) process.exitCode = status;
