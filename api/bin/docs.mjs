#!/usr/bin/env node
// `npm run docs`: renders the README's generated sections again — today the
// need-to-know table (api/src/need-to-know.ts), between its markers. `--check`
// only says whether README.md is up to date (exit 1 when not).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { renderNeedToKnow } = await import('../src/need-to-know.ts');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const file = path.join(root, 'README.md');
const begin = '<!-- need-to-know:begin -->';
const end = '<!-- need-to-know:end -->';
const readme = readFileSync(file, 'utf8');
const at = readme.indexOf(begin);
const to = readme.indexOf(end);
if (at < 0 || to < at) {
  process.stderr.write(`docs: README.md has no ${begin} … ${end} block\n`);
  process.exit(1);
}
const next = `${readme.slice(0, at + begin.length)}\n${renderNeedToKnow()}\n${readme.slice(to)}`;
// Biome pads Markdown tables: compared without the padding, written and then formatted as it would.
const loose = (s) => s.replace(/-{3,}/g, '---').replace(/[ \t]+/g, ' ');
if (process.argv.includes('--check')) {
  const same = loose(next) === loose(readme);
  process.stdout.write(
    same ? 'docs: README.md is up to date\n' : 'docs: README.md is out of date: run `npm run docs`\n',
  );
  process.exit(same ? 0 : 1);
}
writeFileSync(file, next);
spawnSync(path.join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', file], {
  cwd: root,
  stdio: 'ignore',
});
process.stdout.write(
  loose(next) === loose(readme) ? 'docs: README.md was up to date\n' : 'docs: README.md rendered again\n',
);
